#!/usr/bin/env ruby
# A scripted OpenNebula client using the transport Ruby OCA / the CLI use:
# the `xmlrpc` gem (0.3.2), XMLRPC::Client.new2(endpoint) and call_async,
# i.e. a fresh TCP connection per call, the session string first.
#
# Environment:
#   ONE_XMLRPC      endpoint, e.g. http://127.0.0.1:2633/RPC2
#   NUBES_AUTH      oneadmin's session "user:password"
#   NUBES_USER      name of the user to create   (default rubyuser)
#   NUBES_GROUP     name of the group to create  (default rubygroup)
#   NUBES_TEXT      a text with non-ASCII and XML-special characters
#
# Prints one JSON object per call on stdout:
#   {"step": s, "method": m, "ok": true, "value": <what call_async returned>,
#    "types": [<Ruby class of each element>]}
#   {"step": s, "method": m, "ok": false, "exception": <class>,
#    "message": ..., "faultCode": n, "faultString": ...}   (fault* for faults)
# and exits 0 unless the script itself breaks.

require 'json'
require 'xmlrpc/client'

endpoint = ENV.fetch('ONE_XMLRPC')
admin = ENV.fetch('NUBES_AUTH')
uname = ENV.fetch('NUBES_USER', 'rubyuser')
gname = ENV.fetch('NUBES_GROUP', 'rubygroup')

# As OpenNebula::Client#initialize: new2(endpoint, proxy, timeout) and the
# identity Accept-Encoding (the CLI sets it; Net::HTTP would ask for gzip).
$server = XMLRPC::Client.new2(endpoint, nil, 30)
$server.http_header_extra = { 'accept-encoding' => 'identity' }

$stdout.sync = true

def jsonable(v)
  case v
  when Array then v.map { |x| jsonable(x) }
  when Hash then v.to_h { |k, x| [k.to_s, jsonable(x)] }
  when String, Integer, true, false, nil, Float then v
  else v.to_s
  end
end

# One call exactly as OpenNebula::Client#call does it in async mode.
def call(step, session, method, *args)
  rec = { 'step' => step, 'method' => method }
  begin
    r = $server.call_async(method, session, *args)
    rec['ok'] = true
    rec['value'] = jsonable(r)
    rec['types'] = r.is_a?(Array) ? r.map { |x| x.class.name } : [r.class.name]
  rescue XMLRPC::FaultException => e
    rec['ok'] = false
    rec['exception'] = e.class.name
    rec['message'] = e.message
    rec['faultCode'] = e.faultCode
    rec['faultString'] = e.faultString
  rescue StandardError, Timeout::Error => e
    rec['ok'] = false
    rec['exception'] = e.class.name
    rec['message'] = e.message
  end
  puts JSON.generate(rec)
  r
end

# OCA reads the envelope: [0] ok?, [1] value or message, [2] code.
def value(r)
  r.is_a?(Array) && r[0] == true ? r[1] : nil
end

call('version', admin, 'one.system.version')
call('user_info_self', admin, 'one.user.info', -1, false)
call('userpool_info', admin, 'one.userpool.info')
uid = value(call('user_allocate', admin, 'one.user.allocate', uname, 'pw', 'core', []))
gid = value(call('group_allocate', admin, 'one.group.allocate', gname))
call('user_chgrp', admin, 'one.user.chgrp', uid || -1, gid || -1)
call('user_info_new', admin, 'one.user.info', uid || -1, false)
# Non-ASCII and XML-special characters, both ways (merge into the template).
desc = ENV.fetch('NUBES_TEXT', "Grüße & <b>ünïcödé</b> ✓ 日本").dup.force_encoding('UTF-8')
call('user_update', admin, 'one.user.update', uid || -1, "DESCRIPTION=\"#{desc}\"", 1)
call('user_info_text', admin, 'one.user.info', uid || -1, false)
call('wrong_password', admin.split(':', 2)[0] + ':wrong-' + admin.split(':', 2)[1].to_s,
     'one.user.info', -1, false)
call('unknown_method', admin, 'one.nosuch.method', 0)
call('wrong_type', admin, 'one.user.info', 'zero', false)
token = value(call('user_login', "#{uname}:pw", 'one.user.login', uname, '', 600, -1))
call('token_user_info', "#{uname}:#{token}", 'one.user.info', -1, false)
