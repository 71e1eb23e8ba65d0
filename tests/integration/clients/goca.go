// A scripted OpenNebula client using the transport goca uses:
// github.com/kolo/xmlrpc to encode calls and decode responses, sent with one
// pooled net/http client (connections are reused), the session first.
// The response handling is goca's Client.CallContext step by step.
//
// Environment:
//
//	ONE_XMLRPC   endpoint, e.g. http://127.0.0.1:2633/RPC2
//	NUBES_AUTH   oneadmin's session "user:password"
//	NUBES_USER   name of the user to create   (default gouser)
//	NUBES_GROUP  name of the group to create  (default gogroup)
//	NUBES_TEXT   a text with non-ASCII and XML-special characters
//	NUBES_LOOP   number of quick one.user.info calls per loop (default 200)
//	NUBES_PARALLEL  goroutines of the second, concurrent loop (default 4)
//	NUBES_IDLE   if set (a Go duration, e.g. 1500ms): only the idle check,
//	             a call, that pause, then three more calls
//
// Prints one JSON object per call on stdout (see record); each loop prints
// one summary record.  Exits 0 unless the script itself breaks.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kolo/xmlrpc"
)

type record struct {
	Step   string        `json:"step"`
	Method string        `json:"method"`
	OK     bool          `json:"ok"`
	Value  []interface{} `json:"value,omitempty"`
	Types  []string      `json:"types,omitempty"`
	// goca's view of the envelope (only when it parsed)
	Status  *bool  `json:"status,omitempty"`
	Body    string `json:"body,omitempty"`
	BodyInt *int64 `json:"bodyInt,omitempty"`
	ErrCode *int64 `json:"errCode,omitempty"`
	// what went wrong: "http", "fault", "parse", "envelope"
	ErrKind     string `json:"errKind,omitempty"`
	Error       string `json:"error,omitempty"`
	FaultCode   *int   `json:"faultCode,omitempty"`
	FaultString string `json:"faultString,omitempty"`
	Reused      bool   `json:"reused"`
}

var (
	endpoint string
	client   *http.Client
	newConns int64
)

// pooledClient is hashicorp/go-cleanhttp's DefaultPooledClient(), which
// goca.NewDefaultClient uses.
func pooledClient() *http.Client {
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   runtime.GOMAXPROCS(0) + 1,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func typeNames(v []interface{}) []string {
	t := make([]string, len(v))
	for i, x := range v {
		t[i] = fmt.Sprintf("%T", x)
	}
	return t
}

// call is goca's Client.CallContext, recording each stage.
func call(step, session, method string, args ...interface{}) record {
	rec := record{Step: step, Method: method}

	xmlArgs := make([]interface{}, len(args)+1)
	xmlArgs[0] = session
	copy(xmlArgs[1:], args)

	buf, err := xmlrpc.EncodeMethodCall(method, xmlArgs...)
	if err != nil {
		panic(err)
	}
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			rec.Reused = info.Reused
			if !info.Reused {
				atomic.AddInt64(&newConns, 1)
			}
		},
	})
	// goca sets no header at all: net/http adds Content-Length (and no
	// Content-Type).
	req, err := http.NewRequestWithContext(ctx, "POST", endpoint, bytes.NewBuffer(buf))
	if err != nil {
		panic(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		rec.ErrKind, rec.Error = "http", err.Error()
		return rec
	}
	if resp.StatusCode/100 != 2 {
		resp.Body.Close()
		rec.ErrKind, rec.Error = "http", fmt.Sprintf("http status code: %d", resp.StatusCode)
		return rec
	}
	respData, err := ioutil.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		rec.ErrKind, rec.Error = "http", "read http response body: "+err.Error()
		return rec
	}

	xmlrpcResp := xmlrpc.Response(respData)
	if err := xmlrpcResp.Err(); err != nil {
		rec.ErrKind, rec.Error = "fault", err.Error()
		if f, ok := err.(xmlrpc.FaultError); ok {
			code := f.Code
			rec.FaultCode, rec.FaultString = &code, f.String
		}
		return rec
	}

	result := []interface{}{}
	if err := xmlrpcResp.Unmarshal(&result); err != nil {
		rec.ErrKind, rec.Error = "parse", "unmarshal xmlrpc: "+err.Error()
		return rec
	}
	rec.Value, rec.Types = result, typeNames(result)

	// Parse according to the XML-RPC OpenNebula API documentation (goca).
	if len(result) < 3 {
		rec.ErrKind, rec.Error = "envelope", fmt.Sprintf("%d elements (goca would panic)", len(result))
		return rec
	}
	status, ok := result[0].(bool)
	if !ok {
		rec.ErrKind, rec.Error = "envelope", "index 0: boolean expected"
		return rec
	}
	var bodyInt int64
	body, ok := result[1].(string)
	if !ok {
		bodyInt, ok = result[1].(int64)
		if !ok {
			rec.ErrKind, rec.Error = "envelope", "index 1: int or string expected"
			return rec
		}
	}
	errCode, ok := result[2].(int64)
	if !ok {
		rec.ErrKind, rec.Error = "envelope", "index 2: boolean expected"
		return rec
	}
	rec.OK = true
	rec.Status, rec.Body, rec.BodyInt, rec.ErrCode = &status, body, &bodyInt, &errCode
	return rec
}

var (
	outMu sync.Mutex
	out   = json.NewEncoder(os.Stdout)
)

func emit(v interface{}) {
	outMu.Lock()
	defer outMu.Unlock()
	out.SetEscapeHTML(false)
	if err := out.Encode(v); err != nil {
		panic(err)
	}
}

func run(step, session, method string, args ...interface{}) record {
	rec := call(step, session, method, args...)
	emit(rec)
	return rec
}

// bodyInt is the goca Response.BodyInt() of a successful call, or -1.
func bodyInt(r record) int64 {
	if r.OK && r.Status != nil && *r.Status && r.BodyInt != nil {
		return *r.BodyInt
	}
	return -1
}

// loop makes n quick one.user.info calls from `workers` goroutines over the
// shared pooled client and prints one summary record.
func loop(admin string, n, workers int) {
	before := atomic.LoadInt64(&newConns)
	var okCalls, reused int64
	failures := make(chan record, n)
	jobs := make(chan int, n)
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				r := call("loop", admin, "one.user.info", -1, false)
				if r.OK && r.Status != nil && *r.Status && strings.HasPrefix(r.Body, "<USER>") {
					atomic.AddInt64(&okCalls, 1)
				} else {
					r.Value = nil
					failures <- r
				}
				if r.Reused {
					atomic.AddInt64(&reused, 1)
				}
			}
		}()
	}
	wg.Wait()
	close(failures)
	var first []record
	for r := range failures {
		if len(first) < 5 {
			first = append(first, r)
		}
	}
	step := "loop"
	if workers > 1 {
		step = "loop_parallel"
	}
	emit(map[string]interface{}{
		"step":     step,
		"method":   "one.user.info",
		"workers":  workers,
		"calls":    n,
		"ok_calls": okCalls,
		"reused":   reused,
		"new_conn": atomic.LoadInt64(&newConns) - before,
		"seconds":  time.Since(start).Seconds(),
		"failures": first,
	})
}

// idle: a call, a pause longer than the daemon's KEEPALIVE_TIMEOUT (the
// pooled connection is closed by the server meanwhile), then more calls on
// the same client, as a long-lived goca user (Terraform) does.
func idle(admin string, pause time.Duration) {
	run("before_idle", admin, "one.system.version")
	time.Sleep(pause)
	for i := 0; i < 3; i++ {
		run(fmt.Sprintf("after_idle_%d", i), admin, "one.system.version")
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	endpoint = os.Getenv("ONE_XMLRPC")
	admin := os.Getenv("NUBES_AUTH")
	if endpoint == "" || admin == "" {
		fmt.Fprintln(os.Stderr, "ONE_XMLRPC and NUBES_AUTH are required")
		os.Exit(2)
	}
	uname := env("NUBES_USER", "gouser")
	gname := env("NUBES_GROUP", "gogroup")
	loops, err := strconv.Atoi(env("NUBES_LOOP", "200"))
	if err != nil {
		panic(err)
	}
	parallel, err := strconv.Atoi(env("NUBES_PARALLEL", "4"))
	if err != nil {
		panic(err)
	}
	client = pooledClient()
	if pause := env("NUBES_IDLE", ""); pause != "" {
		d, err := time.ParseDuration(pause)
		if err != nil {
			panic(err)
		}
		idle(admin, d)
		return
	}
	adminUser := strings.SplitN(admin, ":", 2)[0]

	run("version", admin, "one.system.version")
	run("user_info_self", admin, "one.user.info", -1, false)
	run("userpool_info", admin, "one.userpool.info")
	// goca's UsersController.Create: groups as []int -> <array><data>.
	uid := bodyInt(run("user_allocate", admin, "one.user.allocate", uname, "pw", "core", []int{}))
	gid := bodyInt(run("group_allocate", admin, "one.group.allocate", gname))
	run("user_chgrp", admin, "one.user.chgrp", int(uid), int(gid))
	run("user_info_new", admin, "one.user.info", int(uid), false)
	// Non-ASCII and XML-special characters, both ways (merge into the template).
	desc := env("NUBES_TEXT", "Grüße & <b>ünïcödé</b> ✓ 日本")
	run("user_update", admin, "one.user.update", int(uid), "DESCRIPTION=\""+desc+"\"", 1)
	run("user_info_text", admin, "one.user.info", int(uid), false)
	run("wrong_password", adminUser+":wrong-"+strings.SplitN(admin+":", ":", 3)[1],
		"one.user.info", -1, false)
	run("unknown_method", admin, "one.nosuch.method", 0)
	run("wrong_type", admin, "one.user.info", "zero", false)
	login := run("user_login", uname+":pw", "one.user.login", uname, "", 600, -1)
	run("token_user_info", uname+":"+login.Body, "one.user.info", -1, false)

	loop(admin, loops, 1)
	loop(admin, loops, parallel)
	// kolo's own client (net/rpc codec; it sets Content-Type: text/xml) on
	// the same pooled transport: faults surface as an rpc.ServerError text.
	kc, err := xmlrpc.NewClient(endpoint, client.Transport)
	if err != nil {
		panic(err)
	}
	for _, c := range []struct {
		step, method string
		args         []interface{}
	}{
		{"kolo_version", "one.system.version", []interface{}{admin}},
		{"kolo_unknown_method", "one.nosuch.method", []interface{}{admin, 0}},
	} {
		var result []interface{}
		rec := record{Step: c.step, Method: c.method}
		if err := kc.Call(c.method, c.args, &result); err != nil {
			rec.ErrKind, rec.Error = "fault", err.Error()
		} else {
			rec.OK, rec.Value, rec.Types = true, result, typeNames(result)
		}
		emit(rec)
	}
	kc.Close()
}
