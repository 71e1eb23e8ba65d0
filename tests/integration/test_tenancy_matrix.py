"""The tenancy isolation matrix: every implemented method against eight
personas, over XML-RPC, on a real oned (reference §2.0-2.8, §4, §5, §6).

One world is built through oneadmin (module fixture `world`):

    group "shared"  (G1, VDC 0)   owner, mate, gadmin (group admin), exadmin
                                  (made admin, then deladmin'd)
    group "other"   (G2, VDC 0)   stranger
    group "tenant"  (G3)          tenant_user; hosts h1, h2 dedicated with
                                  one.cluster.dedicate(-1, G3, "h1,h2"): cluster
                                  "tenant-dedicated", private VDC "tenant"
    group "tenant2" (G4)          other_tenant; VDC "shared2" = {G4, cluster 0},
                                  G4 out of VDC 0
    host h0 in cluster 0 (shared); h0-h2 use the dummy drivers, so VMs run
    datastore 1 "default" chowned to owner:G1, perms 640 (um- u-- ---)
    datastores: cluster 0 holds 1, 2; the tenant's cluster holds 0, 1 (the
                dedication copies 0-2 there, then 2 leaves it and 0 leaves
                cluster 0), so %C-scoped visibility shows in the listings
    VM templates "owned" (owner:G1, 640 um- u-- ---), "private" (stranger:G2,
                600) and "public" (oneadmin's, 604 um- --- u--); no group
                has a TEMPLATE or VM CREATE rule (the groups were made
                through the API, not `onegroup create`), so only oneadmin
                creates
    VMs (PENDING) "owned" (owner:G1, 600 um- --- ---, what the umask gives
                a VM its owner creates), "shared" (owner:G1, 640), "tenants"
                (tenant_user:G3, 600) and "admins" (oneadmin's, 600).  deploy,
                migrate, recover and resched are VM ADMIN operations
                (§2.10): only oneadmin, unless the VM's OWNER_A bit is set
                (then deploy also needs HOST:MANAGE, and DATASTORE:USE on a
                named datastore)
    images      G1 and G3 hold `@G IMAGE/* CREATE` (what `onegroup create`
                gives a group, images only); G2 and G4 do not.  The image
                objects and their dummy datastores ("shared" in cluster 0,
                "tenant" in cluster C, both oneadmin's 600) are made on first
                use, after the world: the listings above do not see them

CASES is the table: one Case per (method, target) with the personas the
reference allows; test_matrix runs every (case, persona) cell.  Add rows by
appending to CASES (later: networks).  Write cases either build
a fresh target through oneadmin per cell (the w.new_* helpers) or are
idempotent (same template, same name, same bits), so no cell depends on
another.  An allowed persona may still meet another refusal (a lock it does
not own): `allowed_code`, per persona like `deny`.  A denied cell must fail with AUTHORIZATION and oned's message
"[method] User [uid] : Not authorized to perform <OP> <TYPE>...", the item
named by `deny` (the first item of the method's rights, §2, the caller
lacks).

LISTINGS gives, per pool and persona, the exact ids one.<pool>pool.info shows
among the world's objects (later objects, made by the cells, have higher ids
and are left out).

The scenario tests at the end use daemons of their own (make_oned): they
change what the matrix relies on.
"""

import itertools
import time
from dataclasses import dataclass
from typing import Callable, Optional

import pytest

from harness import ACTION, AUTHORIZATION, INTERNAL, ids, xml

PERSONAS = ["oneadmin", "owner", "mate", "stranger", "gadmin", "exadmin", "tenant", "other_tenant"]

# The user each persona logs in as.
LOGIN = {"oneadmin": "oneadmin", "owner": "owner", "mate": "mate", "stranger": "stranger",
         "gadmin": "gadmin", "exadmin": "exadmin", "tenant": "tenant_user",
         "other_tenant": "other_tenant"}

PW = "pw"

ALL = frozenset(PERSONAS)
ADMIN = frozenset({"oneadmin"})
G1_MEMBERS = frozenset({"owner", "mate", "gadmin", "exadmin"})


def allow(*personas):
    return frozenset({"oneadmin", *personas})


# ---- ACL words (reference §5.1) ------------------------------------------------

INDIVIDUAL, GROUP, ANY = 0x100000000, 0x200000000, 0x400000000
T_ZONE, T_VM, T_IMAGE = 0x800000000000, 0x1000000000, 0x8000000000
CREATE = 0x8


def acl_strings(session):
    """The STRING of every rule in one.acl.info."""
    return {a.findtext("STRING") for a in xml(session.ok("one.acl.info")).findall("ACL")}


def acl_naming(session, word):
    """The rule strings that mention `word` ("@100", "#5", "%101") as a whole token."""
    return {s for s in acl_strings(session)
            if word in s.replace("/", " ").split()}


# ---- the world -----------------------------------------------------------------

class World:
    """The objects of the matrix, by name, and oneadmin helpers that make
    throw-away targets for the write cases."""

    def __init__(self, oned):
        self.oned = oned
        self.admin = oned.admin
        self._n = itertools.count(1)
        self.user = {"oneadmin": 0, "serveradmin": 1}
        self.group = {"oneadmin": 0, "users": 1}
        self.host = {}
        self.cluster = {"default": 0}
        self.vdc = {"default": 0}
        self.datastore = {"system": 0, "default": 1, "files": 2}
        self.zone = {"OpenNebula": 0}
        self.template = {}
        self.vm = {}
        self._image_ds = {}     # "shared"/"tenant" -> a dummy image datastore
        self._images = {}       # name -> an image the read rows share
        self.last = {}          # pool -> highest id of the world's objects
        self._sessions = {}

    # -- ids
    @property
    def G1(self):
        return self.group["shared"]

    @property
    def G2(self):
        return self.group["other"]

    @property
    def G3(self):
        return self.group["tenant"]

    @property
    def G4(self):
        return self.group["tenant2"]

    @property
    def C(self):
        return self.cluster["tenant-dedicated"]

    def uid(self, persona):
        return self.user[LOGIN[persona]]

    def session(self, persona):
        if persona == "oneadmin":
            return self.admin
        if persona not in self._sessions:
            self._sessions[persona] = self.oned.proxy(LOGIN[persona], PW)
        return self._sessions[persona]

    def name(self, prefix):
        return f"{prefix}{next(self._n)}"

    # -- building
    def build(self):
        a = self.admin
        for g in ("shared", "other", "tenant", "tenant2"):
            self.group[g] = a.ok("one.group.allocate", g)
        for u, g in (("owner", "shared"), ("mate", "shared"), ("gadmin", "shared"),
                     ("exadmin", "shared"), ("stranger", "other"), ("tenant_user", "tenant"),
                     ("other_tenant", "tenant2")):
            self.user[u] = a.ok("one.user.allocate", u, PW, "core", [self.group[g]])
        a.ok("one.group.addadmin", self.G1, self.user["gadmin"])
        a.ok("one.group.addadmin", self.G1, self.user["exadmin"])
        a.ok("one.group.deladmin", self.G1, self.user["exadmin"])

        for h in ("h0", "h1", "h2"):
            self.host[h] = a.ok("one.host.allocate", h, "dummy", "dummy", -1)
        cid = a.ok("one.cluster.dedicate", -1, self.G3,
                   f"{self.host['h1']},{self.host['h2']}")
        self.cluster["tenant-dedicated"] = cid
        self.vdc["tenant"] = vdc_by_name(a, "tenant")

        v2 = a.ok("one.vdc.allocate", "NAME=shared2")
        self.vdc["shared2"] = v2
        a.ok("one.vdc.addgroup", v2, self.G4)
        a.ok("one.vdc.addcluster", v2, 0, 0)
        a.ok("one.vdc.delgroup", 0, self.G4)

        a.ok("one.datastore.chown", 1, self.user["owner"], self.G1)
        a.ok("one.datastore.chmod", 1, 1, 1, 0, 1, 0, 0, 0, 0, 0)
        a.ok("one.cluster.deldatastore", cid, 2)
        a.ok("one.cluster.deldatastore", 0, 0)
        for g in (self.G1, self.G3):
            a.ok("one.acl.addrule", f"{GROUP | g:x}", f"{T_IMAGE | ANY:x}", f"{CREATE:x}")

        self.template["owned"] = self.new_template(name="owned")
        self.template["private"] = self.new_template(self.user["stranger"], self.G2, BITS_600,
                                                     name="private")
        self.template["public"] = self.new_template(0, 0, BITS_604, name="public")

        self.vm["owned"] = self.new_vm(name="owned")
        self.vm["shared"] = self.new_vm(bits=BITS_640, name="shared")
        self.vm["tenants"] = self.new_vm(self.uid("tenant"), self.G3, name="tenants")
        self.vm["admins"] = self.new_vm(0, 0, name="admins")

        for pool in POOLS:
            self.last[pool] = max(pool_ids(a, pool))
        self.check()
        return self

    def check(self):
        """The world is what the tables assume (a broken world would show as
        a confusing matrix)."""
        a = self.admin
        rules = acl_strings(a)
        g1, g3, g4, c = self.G1, self.G3, self.G4, self.C
        gadmin, exadmin = self.user["gadmin"], self.user["exadmin"]
        assert {f"#{gadmin} USER/@{g1} USE+MANAGE+ADMIN+CREATE *",
                f"#{gadmin} GROUP/#{g1} MANAGE *",
                f"@{g3} HOST/%{c} USE #0", f"@{g3} HOST/%{c} MANAGE #0",
                f"@{g3} DATASTORE/%{c} USE #0",
                f"@{g1} HOST/%0 MANAGE #0", f"@{g1} DATASTORE/%0 USE #0",
                f"@{g4} HOST/%0 MANAGE #0", f"@{g4} DATASTORE/%0 USE #0",
                f"@{g1} IMAGE/* CREATE #0", f"@{g3} IMAGE/* CREATE #0"} <= rules, rules
        assert not {s for s in rules if "IMAGE" in s and "CREATE" in s
                    and s.split()[0] in (f"@{self.G2}", f"@{g4}")}, rules
        assert not {s for s in rules if s.startswith(f"#{exadmin} ")}, rules
        assert not {s for s in rules if "HOST/* " in s}, rules
        assert f"@{g3} HOST/%0 MANAGE #0" not in rules
        vdc0 = xml(a.ok("one.vdc.info", 0))
        assert g3 not in ids(vdc0, "GROUPS") and g4 not in ids(vdc0, "GROUPS")
        assert [e.findtext("CLUSTER_ID") for e in vdc0.findall("CLUSTERS/CLUSTER")] == ["0"]
        ds1 = xml(a.ok("one.datastore.info", 1))
        assert (ds1.findtext("UID"), ds1.findtext("GID")) == (str(self.user["owner"]), str(g1))
        assert sorted(ids(ds1, "CLUSTERS")) == [0, c]
        assert ids(xml(a.ok("one.cluster.info", c)), "HOSTS") == [self.host["h1"],
                                                                  self.host["h2"]]

    # -- throw-away targets (through oneadmin)
    def new_user(self, gid, *secondary):
        return self.admin.ok("one.user.allocate", self.name("u"), PW, "core", [gid, *secondary])

    def new_admin(self, gid):
        uid = self.new_user(gid)
        self.admin.ok("one.group.addadmin", gid, uid)
        return uid

    def new_group(self):
        return self.admin.ok("one.group.allocate", self.name("g"))

    def new_host(self, cluster=-1):
        return self.admin.ok("one.host.allocate", self.name("host"), "kvm", "kvm", cluster)

    def new_cluster(self, hosts=(), datastores=()):
        cid = self.admin.ok("one.cluster.allocate", self.name("cl"))
        for h in hosts:
            self.admin.ok("one.cluster.addhost", cid, h)
        for d in datastores:
            self.admin.ok("one.cluster.adddatastore", cid, d)
        return cid

    def new_vdc(self, groups=(), clusters=(), hosts=(), datastores=(), vnets=()):
        vid = self.admin.ok("one.vdc.allocate", f"NAME={self.name('vdc')}")
        for g in groups:
            self.admin.ok("one.vdc.addgroup", vid, g)
        for verb, xs in (("addcluster", clusters), ("addhost", hosts),
                         ("adddatastore", datastores), ("addvnet", vnets)):
            for x in xs:
                self.admin.ok(f"one.vdc.{verb}", vid, 0, x)
        return vid

    def new_dedicated(self):
        """A cluster dedicated to a fresh group (with a fresh host)."""
        return self.admin.ok("one.cluster.dedicate", -1, self.new_group(), str(self.new_host()))

    def new_template(self, uid=None, gid=None, bits=None, name=None):
        """A template of uid (default: owner) in gid (default: G1), perms bits
        (default 640)."""
        a = self.admin
        tid = a.ok("one.template.allocate", f"NAME={name or self.name('tpl')}")
        a.ok("one.template.chown", tid, self.uid("owner") if uid is None else uid,
             self.G1 if gid is None else gid)
        a.ok("one.template.chmod", tid, *(bits or BITS_640))
        return tid

    def locked_template(self, by="owner"):
        """A new owner's template (as new_template), locked at USE by `by`."""
        tid = self.new_template()
        self.session(by).ok("one.template.lock", tid, 1)
        return tid

    def new_vm(self, uid=None, gid=None, bits=None, name=None, running=False):
        """A PENDING VM of uid (default: owner) in gid (default: G1), perms
        bits (default 600); running: deployed on h0 (system datastore 0, the
        one cluster 0 lost to the dedication) and RUNNING."""
        a = self.admin
        vid = a.ok("one.vm.allocate", f'NAME="{name or self.name("vm")}"\n{VM_TEXT}')
        a.ok("one.vm.chown", vid, self.uid("owner") if uid is None else uid,
             self.G1 if gid is None else gid)
        a.ok("one.vm.chmod", vid, *(bits or BITS_600))
        if running:
            a.ok("one.vm.deploy", vid, self.host["h0"], False, 0, "")
            wait_running(a, vid)
        return vid

    def running_vm(self):
        return self.new_vm(running=True)

    def locked_vm(self, by="owner"):
        vid = self.new_vm()
        self.session(by).ok("one.vm.lock", vid, 1)
        return vid

    def new_datastore(self, uid=0, gid=0, bits=None, system=False, cluster=-1):
        """A dummy datastore (an image one, or a system one) in cluster (-1:
        cluster 0) of uid in gid, perms bits (default: oneadmin's 600)."""
        a = self.admin
        mad = 'TYPE="SYSTEM_DS"' if system else 'DS_MAD="dummy"'
        did = a.ok("one.datastore.allocate",
                   f'NAME="{self.name("ds")}"\n{mad}\nTM_MAD="dummy"', cluster)
        if uid or gid:
            a.ok("one.datastore.chown", did, uid, gid)
        if bits:
            a.ok("one.datastore.chmod", did, *bits)
        return did

    def image_ds(self, where="shared"):
        """The dummy image datastore "shared" (cluster 0: VDC 0 and shared2
        give its USE to G1, G2, G4) or "tenant" (cluster C: the tenant's)."""
        if where not in self._image_ds:
            self._image_ds[where] = self.new_datastore(cluster=self.C if where == "tenant"
                                                       else -1)
        return self._image_ds[where]

    def new_image(self, uid=None, gid=None, bits=None, ds=None):
        """A READY 1 MB datablock of uid (default: owner) in gid (default:
        G1), perms bits (default 640), in ds (default: image_ds())."""
        a = self.admin
        iid = a.ok("one.image.allocate", f'NAME="{self.name("img")}"\nTYPE="DATABLOCK"\nSIZE=1',
                   self.image_ds() if ds is None else ds)
        a.ok("one.image.chown", iid, self.uid("owner") if uid is None else uid,
             self.G1 if gid is None else gid)
        a.ok("one.image.chmod", iid, *(bits or BITS_640))
        wait_image(a, iid, IMG_READY)
        return iid

    def full_datastore(self):
        """A new image datastore of oneadmin's holding an image."""
        did = self.new_datastore()
        self.new_image(ds=did)
        return did

    def image(self, name):
        """The images the read and idempotent rows share, made on first use:
        "owned" (owner:G1, 640), "owner's" (owner:G1, 600), "private"
        (stranger:G2, 600), "tenants" (tenant_user:G3, 600, in the tenant's
        datastore), "public" (oneadmin's, 604)."""
        if name not in self._images:
            self._images[name] = {
                "owned": lambda: self.new_image(),
                "owner's": lambda: self.new_image(bits=BITS_600),
                "private": lambda: self.new_image(self.uid("stranger"), self.G2, BITS_600),
                "tenants": lambda: self.new_image(self.uid("tenant"), self.G3, BITS_600,
                                                  self.image_ds("tenant")),
                "public": lambda: self.new_image(0, 0, BITS_604),
            }[name]()
        return self._images[name]

    def locked_image(self, by="owner"):
        """A new owner's image (as new_image), locked at USE by `by`."""
        iid = self.new_image()
        self.session(by).ok("one.image.lock", iid, 1)
        return iid

    def used_image(self):
        """A new owner's image that a (PENDING) VM of oneadmin's uses."""
        iid = self.new_image()
        self.admin.ok("one.vm.allocate", f"{VM_TEXT}DISK=[IMAGE_ID={iid}]")
        wait_image(self.admin, iid, IMG_USED)
        return iid

    def new_rule(self):
        uid = self.new_user(1)
        return self.admin.ok("one.acl.addrule", f"{INDIVIDUAL | uid:x}", f"{T_ZONE | ANY:x}", "1")


VM_TEXT = "CPU=0.1\nMEMORY=16\n"


def wait_running(session, vid, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        doc = xml(session.ok("one.vm.info", vid))
        if (doc.findtext("STATE"), doc.findtext("LCM_STATE")) == ("3", "3"):
            return
        assert time.monotonic() < deadline, f"VM {vid} not RUNNING: {doc.findtext('STATE')}/" \
                                             f"{doc.findtext('LCM_STATE')}"
        time.sleep(0.02)


IMG_READY, IMG_USED = 1, 2


def wait_image(session, iid, state, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        got = int(xml(session.ok("one.image.info", iid)).findtext("STATE"))
        if got == state:
            return
        assert time.monotonic() < deadline, f"image {iid} stays in state {got}, not {state}"
        time.sleep(0.02)


def vdc_by_name(session, name):
    for e in xml(session.ok("one.vdcpool.info")).findall("VDC"):
        if e.findtext("NAME") == name:
            return int(e.findtext("ID"))
    raise AssertionError(f"no VDC {name}")


@pytest.fixture(scope="module")
def world(oned):
    return World(oned).build()


# ---- the matrix -----------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One row.  args(world) -> the parameters after the session string.
    allowed: the personas for which the call passes authorization; they get
    success, or `allowed_code` when the call then fails for another reason
    (e.g. deleting a non-empty group).  Everyone else gets `code` and a
    message naming `deny` ("OP TYPE", or the text after "User [uid] : "
    for other refusals; a dict gives it per persona, key None the default;
    allowed_code may be such a dict too).  cleanup(world) runs after every
    cell through oneadmin."""
    method: str
    args: Callable
    allowed: frozenset
    deny: object = None
    label: str = ""
    code: int = AUTHORIZATION
    allowed_code: object = 0
    cleanup: Optional[Callable] = None

    @property
    def id(self):
        return f"{self.method}({self.label})" if self.label else self.method

    def denial(self, persona):
        return per_persona(self.deny, persona)

    def allowed_result(self, persona):
        return per_persona(self.allowed_code, persona) or 0


def per_persona(value, persona):
    """value, or for a dict its entry for persona (key None: the default)."""
    if isinstance(value, dict):
        return value.get(persona, value.get(None))
    return value


def row(method, args, allowed, deny=None, label="", **kw):
    return Case(method, args, frozenset(allowed), deny, label, **kw)


TMPL = 'MATRIX="1"'      # merged (update type 1): the same text every time
QUOTA = 'VM = [ VMS = "1000", CPU = "1000", MEMORY = "10000000" ]'
DEFAULTS_ONLY = "Only the oneadmin group may set default quotas."
SERVER_ONLY = "Only administrators may set up server accounts"


def restore_ds1(w):
    w.admin.ok("one.datastore.chown", 1, w.user["owner"], w.G1)
    w.admin.ok("one.datastore.chmod", 1, 1, 1, 0, 1, 0, 0, 0, 0, 0)


BITS_640 = (1, 1, 0, 1, 0, 0, 0, 0, 0)
BITS_600 = (1, 1, 0, 0, 0, 0, 0, 0, 0)
BITS_604 = (1, 1, 0, 0, 0, 0, 1, 0, 0)
BITS_700 = (1, 1, 1, 0, 0, 0, 0, 0, 0)


def ds_text(w):
    return f'NAME="{w.name("ds")}"\nDS_MAD="dummy"\nTM_MAD="dummy"'


def datablock(w):
    return f'NAME="{w.name("img")}"\nTYPE="DATABLOCK"\nSIZE=1'


def restore_owned(w):
    w.admin.ok("one.template.chmod", w.template["owned"], *BITS_640)


CASES = [
    # ---- users (§2.3; USER perms um- --- ---, group admin: USER/@gid UMAC) ----
    row("one.user.info", lambda w: (-1,), ALL, label="self"),
    row("one.user.info", lambda w: (w.uid("owner"),), allow("owner", "gadmin"), "USE USER",
        label="owner"),
    row("one.user.info", lambda w: (w.uid("stranger"),), allow("stranger"), "USE USER",
        label="stranger"),
    row("one.user.info", lambda w: (w.uid("tenant"),), allow("tenant"), "USE USER",
        label="tenant"),
    # The admin's rule names the primary group: a secondary member is not its.
    row("one.user.info", lambda w: (w.new_user(w.G2, w.G1),), ADMIN, "USE USER",
        label="G2+G1"),
    row("one.user.update", lambda w: (w.uid("owner"), TMPL, 1), allow("owner", "gadmin"),
        "MANAGE USER", label="owner"),
    row("one.user.update", lambda w: (w.uid("stranger"), TMPL, 1), allow("stranger"),
        "MANAGE USER", label="stranger"),
    row("one.user.passwd", lambda w: (w.uid("owner"), PW), allow("owner", "gadmin"),
        "MANAGE USER", label="owner"),
    row("one.user.passwd", lambda w: (w.new_user(w.G1), "pw2"), allow("gadmin"), "MANAGE USER",
        label="G1"),
    row("one.user.passwd", lambda w: (w.new_user(w.G2), "pw2"), ADMIN, "MANAGE USER",
        label="G2"),
    # chgrp: USER:MANAGE + GROUP:USE on the new group.
    row("one.user.chgrp", lambda w: (w.new_user(w.G1), w.G1), allow("gadmin"), "MANAGE USER",
        label="G1-G1"),
    row("one.user.chgrp", lambda w: (w.new_user(w.G1), w.G2), ADMIN,
        {None: "MANAGE USER", "gadmin": "USE GROUP"}, label="G1-G2"),
    row("one.user.chgrp", lambda w: (w.new_user(1), w.G1), ADMIN, "MANAGE USER",
        label="users-G1"),
    # addgroup/delgroup: USER:MANAGE + GROUP:MANAGE.
    row("one.user.addgroup", lambda w: (w.new_user(w.G1), w.G2), ADMIN,
        {None: "MANAGE USER", "gadmin": "MANAGE GROUP"}, label="G1+G2"),
    row("one.user.addgroup", lambda w: (w.new_user(1), w.G1), ADMIN, "MANAGE USER",
        label="users+G1"),
    row("one.user.delgroup", lambda w: (w.new_user(w.G1, w.G2), w.G2), ADMIN,
        {None: "MANAGE USER", "gadmin": "MANAGE GROUP"}, label="G1-G2"),
    row("one.user.delgroup", lambda w: (w.new_user(w.G2, w.G1), w.G1), ADMIN, "MANAGE USER",
        label="G2-G1"),
    row("one.user.enable", lambda w: (w.uid("owner"), True), allow("gadmin"), "ADMIN USER",
        label="owner"),
    row("one.user.enable", lambda w: (w.new_user(w.G1), False), allow("gadmin"), "ADMIN USER",
        label="G1"),
    row("one.user.enable", lambda w: (w.new_user(w.G2), False), ADMIN, "ADMIN USER",
        label="G2"),
    row("one.user.chauth", lambda w: (w.new_user(w.G1), "core", ""), allow("gadmin"),
        "ADMIN USER", label="G1"),
    row("one.user.chauth", lambda w: (w.new_user(w.G2), "core", ""), ADMIN, "ADMIN USER",
        label="G2"),
    # A server account acts as any user it names: that is for admins only.
    row("one.user.chauth", lambda w: (w.new_user(w.G1), "server_cipher", "srv"), ADMIN,
        {None: "ADMIN USER", "gadmin": SERVER_ONLY}, label="server driver"),
    row("one.user.delete", lambda w: (w.new_user(w.G1),), allow("gadmin"), "ADMIN USER",
        label="G1"),
    row("one.user.delete", lambda w: (w.new_user(w.G2),), ADMIN, "ADMIN USER", label="G2"),
    row("one.user.delete", lambda w: (w.new_user(w.G3),), ADMIN, "ADMIN USER", label="G3"),
    # allocate: USER:CREATE (the caller's uid/gid) + GROUP:MANAGE on every
    # listed group but the caller's primary one.
    row("one.user.allocate", lambda w: (w.name("new"), PW, "core", [w.G1]), allow("gadmin"),
        "CREATE USER", label="G1"),
    row("one.user.allocate", lambda w: (w.name("new"), PW, "core", []), allow("gadmin"),
        "CREATE USER", label="own group"),
    row("one.user.allocate", lambda w: (w.name("new"), PW, "core", [w.G2]), ADMIN,
        {None: "CREATE USER", "gadmin": "MANAGE GROUP"}, label="G2"),
    row("one.user.allocate", lambda w: (w.name("srv"), PW, "server_cipher", [w.G1]), ADMIN,
        {None: "CREATE USER", "gadmin": SERVER_ONLY}, label="server driver"),
    # Authorization comes first: a denied caller does not learn that the name
    # is taken.
    row("one.user.allocate", lambda w: ("mate", PW, "core", [w.G1]), allow("gadmin"),
        "CREATE USER", label="taken name", allowed_code=INTERNAL),
    row("one.userpool.info", lambda w: (), ALL),

    # ---- groups (§2.4; GROUP perms um- u-- ---, gid = itself) ----
    row("one.group.info", lambda w: (-1,), ALL, label="own"),
    row("one.group.info", lambda w: (w.G1,), allow(*G1_MEMBERS), "USE GROUP", label="G1"),
    row("one.group.info", lambda w: (w.G2,), allow("stranger"), "USE GROUP", label="G2"),
    row("one.group.info", lambda w: (w.G3,), allow("tenant"), "USE GROUP", label="G3"),
    row("one.group.info", lambda w: (1,), ADMIN, "USE GROUP", label="users"),
    row("one.group.update", lambda w: (w.G1, TMPL, 1), allow("gadmin"), "MANAGE GROUP",
        label="G1"),
    row("one.group.update", lambda w: (w.G2, TMPL, 1), ADMIN, "MANAGE GROUP", label="G2"),
    row("one.group.addadmin", lambda w: (w.G1, w.new_user(w.G1)), allow("gadmin"),
        "MANAGE GROUP", label="G1"),
    row("one.group.addadmin", lambda w: (w.G2, w.new_user(w.G2)), ADMIN, "MANAGE GROUP",
        label="G2"),
    row("one.group.deladmin", lambda w: (w.G1, w.new_admin(w.G1)), allow("gadmin"),
        "MANAGE GROUP", label="G1"),
    row("one.group.deladmin", lambda w: (w.G2, w.new_admin(w.G2)), ADMIN, "MANAGE GROUP",
        label="G2"),
    # GROUP:ADMIN: the group admin may not delete its group (oneadmin passes
    # authorization, then meets the members).
    row("one.group.delete", lambda w: (w.G1,), ADMIN, "ADMIN GROUP", label="G1",
        allowed_code=ACTION),
    row("one.group.delete", lambda w: (w.new_group(),), ADMIN, "ADMIN GROUP", label="empty"),
    row("one.group.allocate", lambda w: (w.name("g"),), ADMIN, "CREATE GROUP"),
    row("one.grouppool.info", lambda w: (), ALL),

    # ---- zones (* ZONE/* USE *) ----
    row("one.zone.info", lambda w: (0,), ALL),
    row("one.zonepool.info", lambda w: (), ALL),

    # ---- ACL (§2.6: ACL:MANAGE) ----
    row("one.acl.addrule",
        lambda w: (f"{INDIVIDUAL | w.new_user(1):x}", f"{T_ZONE | ANY:x}", "1"), ADMIN,
        "MANAGE ACL"),
    row("one.acl.delrule", lambda w: (w.new_rule(),), ADMIN, "MANAGE ACL"),
    row("one.acl.info", lambda w: (), ADMIN, "MANAGE ACL"),

    # ---- VDCs (§2.5: no owner, so nobody but admins and ACL rules) ----
    row("one.vdc.allocate", lambda w: (f"NAME={w.name('vdc')}",), ADMIN, "CREATE VDC"),
    row("one.vdc.delete", lambda w: (w.new_vdc(),), ADMIN, "ADMIN VDC"),
    row("one.vdc.info", lambda w: (0,), ADMIN, "USE VDC", label="default"),
    row("one.vdc.info", lambda w: (w.vdc["tenant"],), ADMIN, "USE VDC", label="tenant"),
    row("one.vdc.info", lambda w: (w.vdc["shared2"],), ADMIN, "USE VDC", label="shared2"),
    row("one.vdc.update", lambda w: (w.new_vdc(), TMPL, 1), ADMIN, "MANAGE VDC"),
    row("one.vdc.rename", lambda w: (w.new_vdc(), w.name("vdc")), ADMIN, "MANAGE VDC"),
    row("one.vdc.addgroup", lambda w: (w.new_vdc(), w.G1), ADMIN, "ADMIN VDC"),
    # Not even the tenant edits its own VDC (oneadmin: already a member).
    row("one.vdc.addgroup", lambda w: (w.vdc["tenant"], w.G3), ADMIN, "ADMIN VDC",
        label="tenant", allowed_code=INTERNAL),
    row("one.vdc.delgroup", lambda w: (w.new_vdc(groups=[w.G1]), w.G1), ADMIN, "ADMIN VDC"),
    row("one.vdc.addcluster", lambda w: (w.new_vdc(), 0, w.new_cluster()), ADMIN, "ADMIN VDC"),
    row("one.vdc.delcluster", lambda w: (w.new_vdc(clusters=[0]), 0, 0), ADMIN, "ADMIN VDC"),
    row("one.vdc.addhost", lambda w: (w.new_vdc(), 0, w.host["h0"]), ADMIN, "ADMIN VDC"),
    row("one.vdc.delhost", lambda w: (w.new_vdc(hosts=[w.host["h0"]]), 0, w.host["h0"]), ADMIN,
        "ADMIN VDC"),
    row("one.vdc.adddatastore", lambda w: (w.new_vdc(), 0, 2), ADMIN, "ADMIN VDC"),
    row("one.vdc.deldatastore", lambda w: (w.new_vdc(datastores=[2]), 0, 2), ADMIN,
        "ADMIN VDC"),
    # No virtual networks exist yet: ALL (-10) skips the resource check.
    row("one.vdc.addvnet", lambda w: (w.new_vdc(), 0, -10), ADMIN, "ADMIN VDC"),
    row("one.vdc.delvnet", lambda w: (w.new_vdc(vnets=[-10]), 0, -10), ADMIN, "ADMIN VDC"),
    row("one.vdcpool.info", lambda w: (), ALL),

    # ---- clusters (§2.7: no owner; VDC rules name hosts/nets/datastores only) ----
    row("one.cluster.allocate", lambda w: (w.name("cl"),), ADMIN, "CREATE CLUSTER"),
    row("one.cluster.delete", lambda w: (w.new_cluster(),), ADMIN, "ADMIN CLUSTER"),
    row("one.cluster.info", lambda w: (0,), ADMIN, "USE CLUSTER", label="default"),
    row("one.cluster.info", lambda w: (w.C,), ADMIN, "USE CLUSTER", label="dedicated"),
    row("one.cluster.update", lambda w: (w.C, TMPL, 1), ADMIN, "MANAGE CLUSTER",
        label="dedicated"),
    row("one.cluster.update", lambda w: (w.new_cluster(), TMPL, 1), ADMIN, "MANAGE CLUSTER",
        label="new"),
    row("one.cluster.rename", lambda w: (w.C, "tenant-dedicated"), ADMIN, "MANAGE CLUSTER",
        label="dedicated"),
    row("one.cluster.rename", lambda w: (w.new_cluster(), w.name("cl")), ADMIN,
        "MANAGE CLUSTER", label="new"),
    row("one.cluster.addhost", lambda w: (w.new_cluster(), w.new_host()), ADMIN,
        "ADMIN CLUSTER", label="new"),
    row("one.cluster.addhost", lambda w: (w.C, w.new_host()), ADMIN, "ADMIN CLUSTER",
        label="dedicated"),
    row("one.cluster.delhost", lambda w: (lambda h: (w.new_cluster(hosts=[h]), h))(w.new_host()),
        ADMIN, "ADMIN CLUSTER"),
    row("one.cluster.adddatastore", lambda w: (w.new_cluster(), 2), ADMIN, "ADMIN CLUSTER"),
    row("one.cluster.deldatastore", lambda w: (w.new_cluster(datastores=[2]), 2), ADMIN,
        "ADMIN CLUSTER"),
    # dedicate(-1, group, hosts): GROUP:ADMIN, HOST:ADMIN, CLUSTER/VDC:CREATE.
    row("one.cluster.dedicate", lambda w: (-1, w.new_group(), str(w.new_host())), ADMIN,
        "ADMIN GROUP", label="new"),
    row("one.cluster.undedicate", lambda w: (w.new_dedicated(),), ADMIN, "ADMIN CLUSTER"),
    row("one.clusterpool.info", lambda w: (), ALL),

    # ---- hosts (§2.7: HOST:ADMIN to change; USE to see; VDC gives MANAGE) ----
    row("one.host.allocate", lambda w: (w.name("host"), "kvm", "kvm", -1), ADMIN,
        "CREATE HOST", label="default"),
    row("one.host.allocate", lambda w: (w.name("host"), "kvm", "kvm", w.C), ADMIN,
        "CREATE HOST", label="dedicated"),
    row("one.host.delete", lambda w: (w.new_host(),), ADMIN, "ADMIN HOST", label="default"),
    row("one.host.delete", lambda w: (w.new_host(w.C),), ADMIN, "ADMIN HOST",
        label="dedicated"),
    row("one.host.status", lambda w: (w.host["h1"], 0), ADMIN, "ADMIN HOST", label="h1"),
    row("one.host.status", lambda w: (w.new_host(), 1), ADMIN, "ADMIN HOST", label="new"),
    row("one.host.update", lambda w: (w.host["h1"], TMPL, 1), ADMIN, "ADMIN HOST", label="h1"),
    row("one.host.update", lambda w: (w.host["h0"], TMPL, 1), ADMIN, "ADMIN HOST", label="h0"),
    row("one.host.rename", lambda w: (w.host["h1"], "h1"), ADMIN, "ADMIN HOST", label="h1"),
    row("one.host.rename", lambda w: (w.new_host(), w.name("host")), ADMIN, "ADMIN HOST",
        label="new"),
    row("one.host.info", lambda w: (w.host["h0"],), ADMIN, "USE HOST", label="h0"),
    row("one.host.info", lambda w: (w.host["h1"],), allow("tenant"), "USE HOST", label="h1"),
    row("one.host.info", lambda w: (w.host["h2"],), allow("tenant"), "USE HOST", label="h2"),
    row("one.hostpool.info", lambda w: (), ALL),
    row("one.host.monitoring", lambda w: (w.host["h0"],), ADMIN, "USE HOST", label="h0"),
    row("one.host.monitoring", lambda w: (w.host["h1"],), allow("tenant"), "USE HOST",
        label="h1"),
    row("one.hostpool.monitoring", lambda w: (0,), ALL),

    # ---- datastores (§2.8, §4: owner bits um-, group u--; VDC DATASTORE USE) ----
    row("one.datastore.info", lambda w: (1,), ALL, label="owned"),
    row("one.datastore.info", lambda w: (0,), allow("tenant"), "USE DATASTORE",
        label="tenant's"),
    row("one.datastore.info", lambda w: (2,), ALL - {"tenant"}, "USE DATASTORE",
        label="shared"),
    row("one.datastore.update", lambda w: (1, TMPL, 1), allow("owner"), "MANAGE DATASTORE",
        label="owned"),
    row("one.datastore.update", lambda w: (2, TMPL, 1), ADMIN, "MANAGE DATASTORE",
        label="shared"),
    row("one.datastore.rename", lambda w: (1, "default"), allow("owner"), "MANAGE DATASTORE"),
    # The same bits: no ADMIN bit changes, MANAGE is enough.
    row("one.datastore.chmod", lambda w: (1, 1, 1, 0, 1, 0, 0, 0, 0, 0), allow("owner"),
        "MANAGE DATASTORE", label="same"),
    row("one.datastore.chmod", lambda w: (1, -1, -1, -1, -1, -1, -1, 1, -1, -1),
        allow("owner"), "MANAGE DATASTORE", label="other use", cleanup=restore_ds1),
    # Setting an ADMIN bit needs ADMIN, which not even the owner has.
    row("one.datastore.chmod", lambda w: (1, -1, -1, 1, -1, -1, -1, -1, -1, -1), ADMIN,
        {None: "MANAGE DATASTORE", "owner": "ADMIN DATASTORE"}, label="admin bit",
        cleanup=restore_ds1),
    # chown: DATASTORE:MANAGE + USER:MANAGE (new owner) + GROUP:USE (new group).
    row("one.datastore.chown", lambda w: (1, w.uid("owner"), w.G1), allow("owner"),
        "MANAGE DATASTORE", label="same"),
    row("one.datastore.chown", lambda w: (1, w.uid("mate"), -1), ADMIN,
        {None: "MANAGE DATASTORE", "owner": "MANAGE USER"}, label="to mate",
        cleanup=restore_ds1),
    row("one.datastore.chown", lambda w: (1, -1, w.G2), ADMIN,
        {None: "MANAGE DATASTORE", "owner": "USE GROUP"}, label="to G2", cleanup=restore_ds1),
    # allocate: DATASTORE:CREATE, then CLUSTER:ADMIN; nobody but oneadmin has either.
    row("one.datastore.allocate", lambda w: (ds_text(w), -1), ADMIN, "CREATE DATASTORE",
        label="default"),
    row("one.datastore.allocate", lambda w: (ds_text(w), w.C), ADMIN, "CREATE DATASTORE",
        label="dedicated"),
    # delete: DATASTORE:ADMIN, which only an OWNER_A bit gives a user.
    row("one.datastore.delete", lambda w: (w.new_datastore(w.uid("owner"), w.G1, BITS_640),),
        ADMIN, "ADMIN DATASTORE", label="owned"),
    row("one.datastore.delete", lambda w: (w.new_datastore(w.uid("owner"), w.G1, BITS_700),),
        allow("owner"), "ADMIN DATASTORE", label="owner admin bit"),
    row("one.datastore.delete", lambda w: (w.full_datastore(),), ADMIN, "ADMIN DATASTORE",
        label="not empty", allowed_code=ACTION),
    # enable: DATASTORE:MANAGE; only system datastores are disabled.
    row("one.datastore.enable",
        lambda w: (w.new_datastore(w.uid("owner"), w.G1, BITS_640, system=True), False),
        allow("owner"), "MANAGE DATASTORE", label="system"),
    row("one.datastore.enable", lambda w: (1, True), allow("owner"), "MANAGE DATASTORE",
        label="image", allowed_code=ACTION),
    row("one.datastorepool.info", lambda w: (), ALL),

    # ---- VM templates (§2.8, §4; the group admin's rule gives TEMPLATE/@G1
    # USE+MANAGE; locks §2.0, §5.3) ----
    row("one.template.allocate", lambda w: (f"NAME={w.name('tpl')}",), ADMIN, "CREATE TEMPLATE"),
    row("one.template.info", lambda w: (w.template["owned"],), allow(*G1_MEMBERS),
        "USE TEMPLATE", label="owned"),
    row("one.template.info", lambda w: (w.template["private"], False, False), allow("stranger"),
        "USE TEMPLATE", label="private"),
    row("one.template.info", lambda w: (w.template["public"],), ALL, label="public"),
    # info is lock-exempt: a lock hides nothing.
    row("one.template.info", lambda w: (w.locked_template(),), allow(*G1_MEMBERS),
        "USE TEMPLATE", label="locked"),
    row("one.template.update", lambda w: (w.template["owned"], TMPL, 1), allow("owner", "gadmin"),
        "MANAGE TEMPLATE", label="owned"),
    row("one.template.update", lambda w: (w.template["private"], TMPL, 1), allow("stranger"),
        "MANAGE TEMPLATE", label="private"),
    # A lock refuses whoever asks, oneadmin included, before any right.
    row("one.template.update", lambda w: (w.locked_template(), TMPL, 1), (),
        "TEMPLATE is locked.", label="locked"),
    row("one.template.rename", lambda w: (w.template["owned"], "owned"), allow("owner", "gadmin"),
        "MANAGE TEMPLATE"),
    row("one.template.chmod", lambda w: (w.template["owned"], *BITS_640), allow("owner", "gadmin"),
        "MANAGE TEMPLATE", label="same"),
    row("one.template.chmod", lambda w: (w.template["owned"], *BITS_640, True),
        allow("owner", "gadmin"), "MANAGE TEMPLATE", label="recursive"),
    row("one.template.chmod", lambda w: (w.template["owned"], -1, -1, 1, -1, -1, -1, -1, -1, -1),
        ADMIN, {None: "MANAGE TEMPLATE", "owner": "ADMIN TEMPLATE", "gadmin": "ADMIN TEMPLATE"},
        label="admin bit", cleanup=restore_owned),
    # chown: TEMPLATE:MANAGE + USER:MANAGE (new owner) + GROUP:USE (new group).
    row("one.template.chown", lambda w: (w.template["owned"], w.uid("owner"), w.G1),
        allow("owner", "gadmin"), "MANAGE TEMPLATE", label="same"),
    row("one.template.chown", lambda w: (w.new_template(), w.uid("mate"), -1), allow("gadmin"),
        {None: "MANAGE TEMPLATE", "owner": "MANAGE USER"}, label="to mate"),
    row("one.template.chown", lambda w: (w.new_template(), -1, w.G2), ADMIN,
        {None: "MANAGE TEMPLATE", "owner": "USE GROUP", "gadmin": "USE GROUP"}, label="to G2"),
    row("one.template.delete", lambda w: (w.new_template(),), allow("owner", "gadmin"),
        "MANAGE TEMPLATE", label="owned"),
    row("one.template.delete", lambda w: (w.new_template(w.uid("stranger"), w.G2, BITS_600),
                                          True), allow("stranger"), "MANAGE TEMPLATE",
        label="private"),
    # clone: TEMPLATE:USE on the source, then TEMPLATE:CREATE.
    row("one.template.clone", lambda w: (w.template["owned"], w.name("clone")), ADMIN,
        {None: "USE TEMPLATE", **{p: "CREATE TEMPLATE" for p in G1_MEMBERS}}, label="owned"),
    row("one.template.clone", lambda w: (w.template["public"], w.name("clone"), False), ADMIN,
        "CREATE TEMPLATE", label="public"),
    # lock/unlock: MANAGE, lock-exempt; only the lock owner or an admin may
    # lock again or unlock.
    row("one.template.lock", lambda w: (w.new_template(), 2), allow("owner", "gadmin"),
        "MANAGE TEMPLATE", label="free"),
    row("one.template.lock", lambda w: (w.locked_template(), 3, False), allow("owner", "gadmin"),
        "MANAGE TEMPLATE", label="owner's lock", allowed_code={"gadmin": ACTION}),
    row("one.template.lock", lambda w: (w.locked_template(), 1, True), allow("owner", "gadmin"),
        "MANAGE TEMPLATE", label="test", allowed_code=ACTION),
    row("one.template.unlock", lambda w: (w.locked_template(),), allow("owner", "gadmin"),
        "MANAGE TEMPLATE", label="owner's lock", allowed_code={"gadmin": ACTION}),
    row("one.template.unlock", lambda w: (w.locked_template("oneadmin"),),
        allow("owner", "gadmin"), "MANAGE TEMPLATE", label="oneadmin's lock",
        allowed_code={"owner": ACTION, "gadmin": ACTION}),
    row("one.templatepool.info", lambda w: (-2, -1, -1), ALL),
    # instantiate: TEMPLATE:USE (dispatcher), then VM:CREATE, which only
    # oneadmin has here; the extra template makes a valid VM.
    row("one.template.instantiate",
        lambda w: (w.template["owned"], "", False, VM_TEXT, False), ADMIN,
        {None: "USE TEMPLATE", **{p: "CREATE VM" for p in G1_MEMBERS}}, label="owned"),
    row("one.template.instantiate",
        lambda w: (w.template["private"], w.name("vm"), False, VM_TEXT, False), ADMIN,
        {None: "USE TEMPLATE", "stranger": "CREATE VM"}, label="private"),
    row("one.template.instantiate", lambda w: (w.template["public"], "", True, VM_TEXT),
        ADMIN, "CREATE VM", label="public"),

    # ---- images (§2.8, §4: IMAGE perms; the group admin's rule gives
    # IMAGE/@G1 USE+MANAGE; only G1 and G3 may CREATE; locks §2.0, §5.3) ----
    # allocate: IMAGE:CREATE first, then DATASTORE:USE (VDC rules: %0 for G1,
    # %C for the tenant), then the datastore's type.
    row("one.image.allocate", lambda w: (datablock(w), w.image_ds()), allow(*G1_MEMBERS),
        {None: "CREATE IMAGE", "tenant": "USE DATASTORE"}, label="shared ds"),
    row("one.image.allocate", lambda w: (datablock(w), w.image_ds("tenant")), allow("tenant"),
        {None: "CREATE IMAGE", **{p: "USE DATASTORE" for p in G1_MEMBERS}}, label="tenant's ds"),
    row("one.image.allocate", lambda w: (datablock(w), 0), allow("tenant"),
        {None: "CREATE IMAGE", **{p: "USE DATASTORE" for p in G1_MEMBERS}},
        label="system ds", allowed_code=ACTION),
    row("one.image.info", lambda w: (w.image("owned"),), allow(*G1_MEMBERS), "USE IMAGE",
        label="owned"),
    row("one.image.info", lambda w: (w.image("owner's"),), allow("owner", "gadmin"), "USE IMAGE",
        label="owner's"),
    row("one.image.info", lambda w: (w.image("private"), False), allow("stranger"), "USE IMAGE",
        label="private"),
    row("one.image.info", lambda w: (w.image("tenants"),), allow("tenant"), "USE IMAGE",
        label="tenants"),
    row("one.image.info", lambda w: (w.image("public"),), ALL, label="public"),
    # info is lock-exempt.
    row("one.image.info", lambda w: (w.locked_image(),), allow(*G1_MEMBERS), "USE IMAGE",
        label="locked"),
    row("one.image.update", lambda w: (w.image("owned"), TMPL, 1), allow("owner", "gadmin"),
        "MANAGE IMAGE", label="owned"),
    row("one.image.update", lambda w: (w.image("tenants"), TMPL, 1), allow("tenant"),
        "MANAGE IMAGE", label="tenants"),
    # A lock refuses whoever asks, oneadmin included, before any right.
    row("one.image.update", lambda w: (w.locked_image(), TMPL, 1), (), "IMAGE is locked.",
        label="locked"),
    row("one.image.rename", lambda w: (w.new_image(), w.name("img")), allow("owner", "gadmin"),
        "MANAGE IMAGE"),
    row("one.image.chmod", lambda w: (w.image("owned"), *BITS_640), allow("owner", "gadmin"),
        "MANAGE IMAGE", label="same"),
    row("one.image.chmod", lambda w: (w.new_image(), -1, -1, 1, -1, -1, -1, -1, -1, -1), ADMIN,
        {None: "MANAGE IMAGE", "owner": "ADMIN IMAGE", "gadmin": "ADMIN IMAGE"},
        label="admin bit"),
    # chown: IMAGE:MANAGE + USER:MANAGE (new owner) + GROUP:USE (new group).
    row("one.image.chown", lambda w: (w.image("owned"), w.uid("owner"), w.G1),
        allow("owner", "gadmin"), "MANAGE IMAGE", label="same"),
    row("one.image.chown", lambda w: (w.new_image(), w.uid("mate"), -1), allow("gadmin"),
        {None: "MANAGE IMAGE", "owner": "MANAGE USER"}, label="to mate"),
    row("one.image.chown", lambda w: (w.new_image(), -1, w.G2), ADMIN,
        {None: "MANAGE IMAGE", "owner": "USE GROUP", "gadmin": "USE GROUP"}, label="to G2"),
    row("one.image.delete", lambda w: (w.new_image(),), allow("owner", "gadmin"),
        "MANAGE IMAGE", label="owned"),
    row("one.image.delete", lambda w: (w.new_image(w.uid("stranger"), w.G2, BITS_600), True),
        allow("stranger"), "MANAGE IMAGE", label="private"),
    # Refused while a VM uses it, after authorization.
    row("one.image.delete", lambda w: (w.used_image(),), allow("owner", "gadmin"),
        "MANAGE IMAGE", label="used", allowed_code=ACTION),
    row("one.image.enable", lambda w: (w.new_image(), False), allow("owner", "gadmin"),
        "MANAGE IMAGE"),
    row("one.image.persistent", lambda w: (w.new_image(), True), allow("owner", "gadmin"),
        "MANAGE IMAGE"),
    row("one.image.persistent", lambda w: (w.used_image(), True), allow("owner", "gadmin"),
        "MANAGE IMAGE", label="used", allowed_code=ACTION),
    row("one.image.chtype", lambda w: (w.new_image(), "CDROM"), allow("owner", "gadmin"),
        "MANAGE IMAGE"),
    # No image has snapshots: those allowed meet the missing snapshot.
    *[row(f"one.image.{m}", lambda w: (w.image("owned"), 0), allow("owner", "gadmin"),
          "MANAGE IMAGE", allowed_code=ACTION)
      for m in ("snapshotdelete", "snapshotrevert", "snapshotflatten")],
    # clone: IMAGE:CREATE, USE on the original, USE on the target datastore
    # (-1: the original's), in that order, as oned.
    row("one.image.clone", lambda w: (w.image("owned"), w.name("clone")), allow(*G1_MEMBERS),
        {None: "CREATE IMAGE", "tenant": "USE IMAGE"}, label="owned"),
    row("one.image.clone", lambda w: (w.image("public"), w.name("clone"), w.image_ds()),
        allow(*G1_MEMBERS), {None: "CREATE IMAGE", "tenant": "USE DATASTORE"},
        label="public"),
    row("one.image.clone", lambda w: (w.image("tenants"), w.name("clone"), -1), allow("tenant"),
        {None: "CREATE IMAGE", **{p: "USE IMAGE" for p in G1_MEMBERS}}, label="tenants"),
    # The tenant's own image, in a datastore the tenant may not USE.
    row("one.image.clone",
        lambda w: (w.new_image(w.uid("tenant"), w.G3, BITS_600), w.name("clone")), ADMIN,
        {None: "CREATE IMAGE", "tenant": "USE DATASTORE",
         **{p: "USE IMAGE" for p in G1_MEMBERS}}, label="tenant's in shared ds"),
    # A USE lock refuses the clone to all that may CREATE, oneadmin included.
    row("one.image.clone", lambda w: (w.locked_image(), w.name("clone")), (),
        {None: "CREATE IMAGE", **{p: "IMAGE is locked." for p in G1_MEMBERS | {"tenant"}},
         "oneadmin": "IMAGE is locked."}, label="locked"),
    # lock/unlock: MANAGE, lock-exempt; only the lock owner or an admin may
    # lock again or unlock.
    row("one.image.lock", lambda w: (w.new_image(), 2), allow("owner", "gadmin"),
        "MANAGE IMAGE", label="free"),
    row("one.image.lock", lambda w: (w.locked_image(), 3, False), allow("owner", "gadmin"),
        "MANAGE IMAGE", label="owner's lock", allowed_code={"gadmin": ACTION}),
    row("one.image.lock", lambda w: (w.locked_image(), 1, True), allow("owner", "gadmin"),
        "MANAGE IMAGE", label="test", allowed_code=ACTION),
    row("one.image.unlock", lambda w: (w.locked_image(),), allow("owner", "gadmin"),
        "MANAGE IMAGE", label="owner's lock", allowed_code={"gadmin": ACTION}),
    row("one.image.unlock", lambda w: (w.locked_image("oneadmin"),), allow("owner", "gadmin"),
        "MANAGE IMAGE", label="oneadmin's lock",
        allowed_code={"owner": ACTION, "gadmin": ACTION}),
    row("one.imagepool.info", lambda w: (-2, -1, -1), ALL),

    # ---- VMs (§2.10: VM:MANAGE for the actions, VM:ADMIN for deploy, migrate,
    # recover, resched; the group admin's rule gives VM/@G1 USE+MANAGE) ----
    row("one.vm.allocate", lambda w: (VM_TEXT,), ADMIN, "CREATE VM"),
    row("one.vm.allocate", lambda w: (VM_TEXT, True), ADMIN, "CREATE VM", label="hold"),
    row("one.vm.info", lambda w: (w.vm["owned"],), allow("owner", "gadmin"), "USE VM",
        label="owned"),
    row("one.vm.info", lambda w: (w.vm["shared"], False), allow(*G1_MEMBERS), "USE VM",
        label="shared"),
    row("one.vm.info", lambda w: (w.vm["tenants"],), allow("tenant"), "USE VM",
        label="tenants"),
    row("one.vm.info", lambda w: (w.vm["admins"],), ADMIN, "USE VM", label="admins"),
    # info is lock-exempt.
    row("one.vm.info", lambda w: (w.locked_vm(),), allow("owner", "gadmin"), "USE VM",
        label="locked"),
    row("one.vm.update", lambda w: (w.vm["owned"], TMPL, 1), allow("owner", "gadmin"),
        "MANAGE VM", label="owned"),
    # Group USE is not MANAGE: the mate sees "shared", but may not change it.
    row("one.vm.update", lambda w: (w.vm["shared"], TMPL, 1), allow("owner", "gadmin"),
        "MANAGE VM", label="shared"),
    row("one.vm.update", lambda w: (w.vm["tenants"], TMPL, 1), allow("tenant"), "MANAGE VM",
        label="tenants"),
    row("one.vm.update", lambda w: (w.locked_vm(), TMPL, 1), (), "VM is locked.",
        label="locked"),
    # Hotplug is VM:MANAGE; the matrix's VMs are PENDING, where only a (cold)
    # resize is possible: those allowed get the state's ACTION error.
    row("one.vm.resize", lambda w: (w.vm["owned"], "CPU=0", True), allow("owner", "gadmin"),
        "MANAGE VM"),
    row("one.vm.resize", lambda w: (w.vm["tenants"], "CPU=0", True), allow("tenant"),
        "MANAGE VM", label="tenants"),
    *[row(m, lambda w, a=a: (w.vm["owned"], a), allow("owner", "gadmin"), "MANAGE VM",
          allowed_code=ACTION)
      for m, a in (("one.vm.attach", 'DISK=[SOURCE="/a"]'), ("one.vm.detach", 0),
                   ("one.vm.attachnic", 'NIC=[BRIDGE="br0"]'), ("one.vm.detachnic", 0),
                   ("one.vm.snapshotcreate", "s"), ("one.vm.snapshotrevert", 0),
                   ("one.vm.snapshotdelete", 0))],
    row("one.vm.rename", lambda w: (w.vm["owned"], "owned"), allow("owner", "gadmin"),
        "MANAGE VM"),
    row("one.vm.chmod", lambda w: (w.vm["owned"], *BITS_600), allow("owner", "gadmin"),
        "MANAGE VM", label="same"),
    row("one.vm.chmod", lambda w: (w.new_vm(), -1, -1, 1, -1, -1, -1, -1, -1, -1), ADMIN,
        {None: "MANAGE VM", "owner": "ADMIN VM", "gadmin": "ADMIN VM"}, label="admin bit"),
    row("one.vm.chown", lambda w: (w.vm["owned"], w.uid("owner"), w.G1),
        allow("owner", "gadmin"), "MANAGE VM", label="same"),
    row("one.vm.chown", lambda w: (w.new_vm(), w.uid("mate"), -1), allow("gadmin"),
        {None: "MANAGE VM", "owner": "MANAGE USER"}, label="to mate"),
    row("one.vm.chown", lambda w: (w.new_vm(), -1, w.G2), ADMIN,
        {None: "MANAGE VM", "owner": "USE GROUP", "gadmin": "USE GROUP"}, label="to G2"),
    row("one.vm.lock", lambda w: (w.new_vm(), 2), allow("owner", "gadmin"), "MANAGE VM"),
    row("one.vm.unlock", lambda w: (w.locked_vm(),), allow("owner", "gadmin"), "MANAGE VM",
        allowed_code={"gadmin": ACTION}),
    # one.vm.action: MANAGE; the owner powers off and terminates its VMs.
    row("one.vm.action", lambda w: ("poweroff", w.running_vm()), allow("owner", "gadmin"),
        "MANAGE VM", label="poweroff"),
    row("one.vm.action", lambda w: ("terminate", w.running_vm()), allow("owner", "gadmin"),
        "MANAGE VM", label="terminate running"),
    row("one.vm.action", lambda w: ("terminate-hard", w.new_vm()), allow("owner", "gadmin"),
        "MANAGE VM", label="terminate pending"),
    row("one.vm.action", lambda w: ("hold", w.new_vm()), allow("owner", "gadmin"),
        "MANAGE VM", label="hold"),
    row("one.vm.action", lambda w: ("terminate", w.new_vm(w.uid("tenant"), w.G3)),
        allow("tenant"), "MANAGE VM", label="tenant's"),
    # Refused by the lifecycle, after authorization.
    row("one.vm.action", lambda w: ("resume", w.new_vm()), allow("owner", "gadmin"),
        "MANAGE VM", label="resume pending", allowed_code=ACTION),
    # resched is ADMIN: the owner and the group admin pass MANAGE, then fail.
    row("one.vm.action", lambda w: ("resched", w.running_vm()), ADMIN,
        {None: "MANAGE VM", "owner": "ADMIN VM", "gadmin": "ADMIN VM"}, label="resched"),
    row("one.vm.deploy", lambda w: (w.new_vm(), w.host["h0"], False, 0, ""), ADMIN,
        "ADMIN VM", label="owned"),
    # With OWNER_A the owner may deploy; the host must be one it MANAGEs
    # (h1: the tenant's dedicated host; cluster C has system datastore 0) ...
    row("one.vm.deploy", lambda w: (w.new_vm(bits=BITS_700), w.host["h1"], False, -1, ""),
        ADMIN, {None: "ADMIN VM", "owner": "MANAGE HOST"}, label="owner's on h1"),
    row("one.vm.deploy",
        lambda w: (w.new_vm(w.uid("tenant"), w.G3, BITS_700), w.host["h1"], False, -1, ""),
        allow("tenant"), "ADMIN VM", label="tenant's on h1"),
    row("one.vm.deploy",
        lambda w: (w.new_vm(w.uid("tenant"), w.G3, BITS_700), w.host["h0"], False, 0, ""),
        ADMIN, {None: "ADMIN VM", "tenant": "MANAGE HOST"}, label="tenant's on h0"),
    # ... and a datastore it may USE: G1's DATASTORE/%0 no longer covers 0.
    row("one.vm.deploy", lambda w: (w.new_vm(bits=BITS_700), w.host["h0"], False, 0, ""),
        ADMIN, {None: "ADMIN VM", "owner": "USE DATASTORE"}, label="owner's on h0 ds 0"),
    row("one.vm.migrate", lambda w: (w.running_vm(), w.host["h1"], True, False, -1, 0), ADMIN,
        "ADMIN VM", label="live"),
    row("one.vm.recover", lambda w: (w.new_vm(), 3), ADMIN, "ADMIN VM", label="delete"),
    row("one.vmpool.info", lambda w: (-2, -1, -1, -1), ALL),
    row("one.vmpool.infoextended", lambda w: (-2, -1, -1, -2, ""), ALL),
    # ---- quotas (§10.1): USER:ADMIN / GROUP:ADMIN; limits far above what
    # the cells use, so that they change nothing for other rows ----
    row("one.user.quota", lambda w: (w.uid("mate"), QUOTA), allow("gadmin"), "ADMIN USER",
        label="mate"),
    row("one.user.quota", lambda w: (w.uid("stranger"), QUOTA), ADMIN, "ADMIN USER",
        label="stranger"),
    row("one.user.quota", lambda w: (w.uid("tenant"), QUOTA), ADMIN, "ADMIN USER",
        label="tenant"),
    row("one.group.quota", lambda w: (w.G1, QUOTA), ADMIN, "ADMIN GROUP", label="G1"),
    row("one.group.quota", lambda w: (w.G3, QUOTA), ADMIN, "ADMIN GROUP", label="G3"),
    row("one.userquota.info", lambda w: (), ALL),
    row("one.groupquota.info", lambda w: (), ALL),
    row("one.userquota.update", lambda w: (QUOTA,), ADMIN, DEFAULTS_ONLY),
    row("one.groupquota.update", lambda w: (QUOTA,), ADMIN, DEFAULTS_ONLY),
    row("one.vmpool.accounting", lambda w: (-2, -1, -1), ALL),
    row("one.vmpool.showback", lambda w: (-2, -1, -1, -1, -1), ALL),
    row("one.vmpool.calculateshowback", lambda w: (-1, -1, -1, -1), ADMIN,
        "Action reserved for group 0 only."),
    row("one.vm.monitoring", lambda w: (w.vm["owned"],), allow("owner", "gadmin"), "USE VM",
        label="owned"),
    row("one.vm.monitoring", lambda w: (w.vm["shared"],), allow(*G1_MEMBERS), "USE VM",
        label="shared"),
    row("one.vm.monitoring", lambda w: (w.vm["tenants"],), allow("tenant"), "USE VM",
        label="tenants"),
    row("one.vm.monitoring", lambda w: (w.locked_vm(),), allow("owner", "gadmin"), "USE VM",
        label="locked"),
    row("one.vmpool.monitoring", lambda w: (-2, -1), ALL),
]

assert len({c.id for c in CASES}) == len(CASES), "two rows share an id: add a label"
assert all(c.deny or c.allowed == ALL for c in CASES), "a row that denies needs `deny`"

CELLS = [pytest.param(case, p, id=f"{case.id}-{p}") for case in CASES for p in PERSONAS]


@pytest.mark.parametrize("case,persona", CELLS)
def test_matrix(world, case, persona):
    args = case.args(world)
    try:
        r = world.session(persona).call(case.method, *args)
    finally:
        if case.cleanup:
            case.cleanup(world)
    assert isinstance(r, list) and len(r) in (3, 5), r
    if persona in case.allowed:
        code = case.allowed_result(persona)
        if code:
            assert r[0] is False and r[2] == code, \
                f"{case.method}{args} as {persona}: expected code {code:#x}: {r!r}"
        else:
            assert r[0] is True and r[2] == 0, \
                f"{case.method}{args} as {persona} should be allowed: {r!r}"
        return
    assert r[0] is False and r[2] == case.code, \
        f"{case.method}{args} as {persona} should be denied ({case.code:#x}): {r!r}"
    if case.code == AUTHORIZATION:
        what = case.denial(persona)
        if what.split()[0] in ("USE", "MANAGE", "ADMIN", "CREATE"):
            what = f"Not authorized to perform {what}"
        want = f"[{case.method}] User [{world.uid(persona)}] : {what}"
        assert r[1].startswith(want), f"{r[1]!r} does not start with {want!r}"


def test_every_method_is_covered():
    """Each method of the tiers the matrix covers has a row (a new method
    of these families needs its rows)."""
    covered = {c.method for c in CASES}
    families = {
        "user": "allocate delete passwd update chauth enable chgrp addgroup delgroup info "
                "quota",
        "group": "allocate delete info update addadmin deladmin quota",
        "zone": "info", "acl": "addrule delrule info",
        "vdc": "allocate delete info update rename addgroup delgroup addcluster delcluster "
               "addhost delhost adddatastore deldatastore addvnet delvnet",
        "cluster": "allocate delete info update rename addhost delhost adddatastore "
                   "deldatastore dedicate undedicate",
        "host": "allocate delete status update rename info",
        "datastore": "allocate delete enable info update rename chmod chown",
        "image": "allocate clone delete enable persistent chtype snapshotdelete "
                 "snapshotrevert snapshotflatten info update rename chmod chown lock unlock",
        "template": "allocate clone delete info update chmod chown rename lock unlock "
                    "instantiate",
        "vm": "allocate deploy action migrate recover info update rename chmod chown lock "
              "unlock",
        "userquota": "info update", "groupquota": "info update",
    }
    want = {f"one.{f}.{m}" for f, ms in families.items() for m in ms.split()}
    want |= {f"one.{p}pool.info" for p in POOLS} | {"one.vmpool.infoextended"}
    want |= {"one.vmpool.accounting", "one.vmpool.showback", "one.vmpool.calculateshowback"}
    want |= {"one.imagepool.info"}
    want |= {f"one.{o}{pool}.monitoring" for o in ("host", "vm") for pool in ("", "pool")}
    assert want - covered == set()


# ---- listings -----------------------------------------------------------------------

POOLS = ["user", "group", "vdc", "cluster", "host", "datastore", "zone", "template", "vm"]

# Filtered pools take (filter, start, end), VMs also a state (-1: all but
# DONE); some name their elements apart.
POOL_ARGS = {"template": (-2, -1, -1), "vm": (-2, -1, -1, -1)}
POOL_ELEM = {"template": "VMTEMPLATE"}


def pool_ids(session, pool):
    """The ids one.<pool>pool.info shows (filtered pools: everything visible)."""
    elem = POOL_ELEM.get(pool, pool.upper())
    root = xml(session.ok(f"one.{pool}pool.info", *POOL_ARGS.get(pool, ())))
    assert root.tag == f"{elem}_POOL"
    return [int(e.findtext("ID")) for e in root.findall(elem)]

_WORLD_USERS = {"oneadmin", "serveradmin", "owner", "mate", "gadmin", "exadmin", "stranger",
                "tenant_user", "other_tenant"}


def _per_persona(default, **special):
    return {p: special.get(p, default) for p in PERSONAS}


# Names per pool; every persona's exact view of the world's objects.
LISTINGS = {
    # A user sees itself; the group admin every user whose primary group is G1.
    "user": {**{p: {LOGIN[p]} for p in PERSONAS}, "oneadmin": _WORLD_USERS,
             "gadmin": {"owner", "mate", "gadmin", "exadmin"}},
    # Group members USE their groups (GROUP_U); GROUP/#G1 MANAGE shows nothing more.
    "group": _per_persona({"shared"}, oneadmin={"oneadmin", "users", "shared", "other",
                                                "tenant", "tenant2"},
                          stranger={"other"}, tenant={"tenant"}, other_tenant={"tenant2"}),
    "vdc": _per_persona(set(), oneadmin={"default", "tenant", "shared2"}),
    "cluster": _per_persona(set(), oneadmin={"default", "tenant-dedicated"}),
    # VDC rules give HOST MANAGE, not USE; only the dedication adds USE.
    "host": _per_persona(set(), oneadmin={"h0", "h1", "h2"}, tenant={"h1", "h2"}),
    # DATASTORE/%0 USE for VDC 0 and shared2, DATASTORE/%C USE for the tenant.
    "datastore": _per_persona({"default", "files"}, oneadmin={"system", "default", "files"},
                              tenant={"system", "default"}),
    "zone": _per_persona({"OpenNebula"}),
    # OWNER/GROUP/OTHER bits only: the group admin's rule adds nothing in G1.
    "template": _per_persona({"public"}, oneadmin={"owned", "private", "public"},
                             **{p: {"owned", "public"} for p in G1_MEMBERS},
                             stranger={"private", "public"}),
    # VMs: owner/group bits, and the group admin's VM/@G1 USE.
    "vm": _per_persona(set(), oneadmin={"owned", "shared", "tenants", "admins"},
                       owner={"owned", "shared"}, gadmin={"owned", "shared"}, mate={"shared"},
                       exadmin={"shared"}, tenant={"tenants"}),
}


@pytest.mark.parametrize("pool,persona", [pytest.param(pool, p, id=f"{pool}pool-{p}")
                                          for pool in POOLS for p in PERSONAS])
def test_listing(world, pool, persona):
    seen = pool_ids(world.session(persona), pool)
    assert len(seen) == len(set(seen))
    names = getattr(world, pool)
    want = {names[n] for n in LISTINGS[pool][persona]}
    got = {i for i in seen if i <= world.last[pool]}
    by_id = {v: k for k, v in names.items()}
    assert got == want, (f"{persona} sees {sorted(by_id.get(i, i) for i in got)}, "
                         f"expected {sorted(by_id.get(i, i) for i in want)}")


def test_listing_agrees_with_info(world):
    """What a persona lists it can info, and the reverse, for the world's
    hosts, datastores, templates and VMs."""
    for p in PERSONAS:
        s = world.session(p)
        for pool, names in (("host", world.host), ("datastore", world.datastore),
                            ("template", world.template), ("vm", world.vm)):
            listed = set(pool_ids(s, pool))
            for oid in names.values():
                assert (s.call(f"one.{pool}.info", oid)[0] is True) == (oid in listed), \
                    (p, pool, oid)


# Images by owner and group bits, and the group admin's IMAGE/@G1 USE.
IMAGE_LISTINGS = _per_persona({"public"},
                              oneadmin={"owned", "owner's", "private", "tenants", "public"},
                              owner={"owned", "owner's", "public"},
                              gadmin={"owned", "owner's", "public"},
                              mate={"owned", "public"}, exadmin={"owned", "public"},
                              stranger={"private", "public"}, tenant={"tenants", "public"})


@pytest.mark.parametrize("persona", PERSONAS)
def test_image_listing_agrees_with_info(world, persona):
    """imagepool.info (-2: everything visible) shows a persona the shared
    images it may USE, and it can info exactly those."""
    s = world.session(persona)
    names = {n: world.image(n) for n in ("owned", "owner's", "private", "tenants", "public")}
    root = xml(s.ok("one.imagepool.info", -2, -1, -1))
    assert root.tag == "IMAGE_POOL"
    listed = {int(e.findtext("ID")) for e in root.findall("IMAGE")}
    by_id = {v: k for k, v in names.items()}
    assert {by_id[i] for i in listed if i in by_id} == IMAGE_LISTINGS[persona]
    for n, iid in names.items():
        assert (s.call("one.image.info", iid)[0] is True) == (n in IMAGE_LISTINGS[persona]), n


def test_host_monitoring_follows_the_host_listing(world):
    """hostpool.monitoring(0) has the newest sample of exactly the hosts a
    persona lists (the world's dummy hosts were each sampled when added)."""
    for p in PERSONAS:
        s = world.session(p)
        listed = {i for i in pool_ids(s, "host") if i in world.host.values()}
        sampled = {int(m.findtext("ID")) for m in xml(s.ok("one.hostpool.monitoring", 0))}
        assert {i for i in sampled if i in world.host.values()} == listed, p


# ---- scenarios the matrix cannot express ----------------------------------------------

def test_exadmin_loses_rights_at_once(make_oned):
    """one#6993: after deladmin the same session (password or token) loses
    the admin's rights on its next call, with no new login."""
    d = make_oned()
    a = d.admin
    g = a.ok("one.group.allocate", "team")
    boss = a.ok("one.user.allocate", "boss", PW, "core", [g])
    member = a.ok("one.user.allocate", "member", PW, "core", [g])
    a.ok("one.group.addadmin", g, boss)
    s = d.proxy("boss", PW)
    token = s.ok("one.user.login", "boss", "", 3600, -1)
    sessions = [s, d.proxy("boss", token)]

    admin_rules = {f"#{boss} USER/@{g} USE+MANAGE+ADMIN+CREATE *",
                   f"#{boss} VM+NET+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VROUTER+VMGROUP+BACKUPJOB"
                   f"/@{g} USE+MANAGE *",
                   f"#{boss} VROUTER/* CREATE *",
                   f"#{boss} GROUP/#{g} MANAGE *"}
    assert admin_rules <= acl_strings(a)
    for x in sessions:
        assert x.ok("one.user.info", member)
        x.ok("one.user.update", member, TMPL, 1)
        x.ok("one.group.update", g, TMPL, 1)
        assert {int(e.findtext("ID")) for e in
                xml(x.ok("one.userpool.info")).findall("USER")} == {boss, member}

    a.ok("one.group.deladmin", g, boss)
    assert not acl_naming(a, f"#{boss}")
    assert ids(xml(a.ok("one.group.info", g)), "ADMINS") == []
    for x in sessions:
        code, msg = x.fail("one.user.info", member)
        assert code == AUTHORIZATION and "Not authorized to perform USE USER" in msg
        code, msg = x.fail("one.user.update", member, TMPL, 1)
        assert code == AUTHORIZATION and "Not authorized to perform MANAGE USER" in msg
        code, msg = x.fail("one.group.update", g, TMPL, 1)
        assert code == AUTHORIZATION and "Not authorized to perform MANAGE GROUP" in msg
        code, msg = x.fail("one.user.allocate", "another", PW, "core", [g])
        assert code == AUTHORIZATION and "CREATE USER" in msg
        assert [int(e.findtext("ID")) for e in
                xml(x.ok("one.userpool.info")).findall("USER")] == [boss]
        # Still a member: it sees its group and itself.
        assert x.ok("one.group.info", g)
        assert x.ok("one.user.info", -1)


def test_admin_of_a_secondary_group_creates_users_acting_in_it(make_oned):
    """§2.3: the CREATE check uses the caller's (effective) group; a member
    of G1 that administers G2 adds users to G2 with a session scoped to G2."""
    d = make_oned()
    a = d.admin
    g1 = a.ok("one.group.allocate", "home")
    g2 = a.ok("one.group.allocate", "managed")
    boss = a.ok("one.user.allocate", "boss", PW, "core", [g1, g2])
    a.ok("one.group.addadmin", g2, boss)
    s = d.proxy("boss", PW)
    for groups in ([g2], [], [g1]):
        code, msg = s.fail("one.user.allocate", "newbie", PW, "core", groups)
        assert code == AUTHORIZATION, msg
        assert msg == f"[one.user.allocate] User [{boss}] : Not authorized to perform CREATE USER."
    scoped = d.proxy("boss", s.ok("one.user.login", "boss", "", 3600, g2))
    uid = scoped.ok("one.user.allocate", "newbie", PW, "core", [g2])
    assert xml(a.ok("one.user.info", uid)).findtext("GID") == str(g2)
    uid = scoped.ok("one.user.allocate", "newbie2", PW, "core", [])
    assert xml(a.ok("one.user.info", uid)).findtext("GID") == str(g2)
    # Not into its other group, which it does not administer.
    code, msg = scoped.fail("one.user.allocate", "newbie3", PW, "core", [g1])
    assert code == AUTHORIZATION and "MANAGE GROUP" in msg


def test_group_admin_cannot_become_oneadmin(make_oned):
    """A server account (driver server_cipher) may act as any user, oneadmin
    included ("server:oneadmin:secret", §1.4); a group admin, which has
    USER:ADMIN on its group's users and on itself, must not be able to make
    one, or it would be oneadmin."""
    d = make_oned()
    a = d.admin
    g = a.ok("one.group.allocate", "team")
    boss = a.ok("one.user.allocate", "boss", PW, "core", [g])
    member = a.ok("one.user.allocate", "member", PW, "core", [g])
    a.ok("one.group.addadmin", g, boss)
    s = d.proxy("boss", PW)
    for uid in (boss, member):
        code, msg = s.fail("one.user.chauth", uid, "server_cipher", "srv")
        assert code == AUTHORIZATION and SERVER_ONLY in msg
    code, msg = s.fail("one.user.allocate", "srv", "srv", "server_cipher", [g])
    assert code == AUTHORIZATION and SERVER_ONLY in msg
    for who in ("boss", "member"):
        assert d.call("one.user.info", -1, auth=f"{who}:oneadmin:srv")[0] is False
    # It still manages ordinary credentials of its users.
    s.ok("one.user.chauth", member, "core", "new")
    s.ok("one.user.passwd", member, "newer")
    # A server account oneadmin puts in the group is out of the admin's reach,
    # and speaks for nobody: only server accounts of the oneadmin group may.
    srv = a.ok("one.user.allocate", "srv", "srv", "server_cipher", [g])
    assert d.call("one.user.info", -1, auth="srv:srv")[0] is True
    assert d.call("one.user.info", -1, auth="srv:member:srv")[0] is False
    for call in (("one.user.passwd", srv, "mine"), ("one.user.chauth", srv, "core", "mine")):
        code, msg = s.fail(*call)
        assert code == AUTHORIZATION and SERVER_ONLY in msg
    assert d.call("one.user.info", -1, auth="srv:oneadmin:mine")[0] is False
    assert d.call("one.user.info", -1, auth="srv:mine")[0] is False


def test_leaving_the_group_ends_being_its_admin(make_oned):
    d = make_oned()
    a = d.admin
    g = a.ok("one.group.allocate", "team")
    boss = a.ok("one.user.allocate", "boss", PW, "core", [g])
    member = a.ok("one.user.allocate", "member", PW, "core", [g])
    a.ok("one.group.addadmin", g, boss)
    s = d.proxy("boss", PW)
    assert s.ok("one.user.info", member)
    a.ok("one.user.chgrp", boss, 1)
    assert not acl_naming(a, f"#{boss}")
    assert ids(xml(a.ok("one.group.info", g)), "ADMINS") == []
    assert s.fail("one.user.info", member)[0] == AUTHORIZATION


def test_deleting_a_group_removes_its_rules(make_oned):
    d = make_oned()
    a = d.admin
    g = a.ok("one.group.allocate", "doomed")
    keep = a.ok("one.group.allocate", "keeper")
    uid = a.ok("one.user.allocate", "boss", PW, "core", [g])
    a.ok("one.group.addadmin", g, uid)
    # What `onegroup create` adds, a rule naming the group as a resource, and
    # a second VDC.
    a.ok("one.acl.addrule", f"{GROUP | g:x}", f"{T_VM | ANY:x}", "8")
    a.ok("one.acl.addrule", f"{GROUP | keep:x}", f"{T_VM | GROUP | g:x}", "1")
    v = a.ok("one.vdc.allocate", "NAME=second")
    a.ok("one.vdc.addgroup", v, g)
    hx = a.ok("one.host.allocate", "hx", "kvm", "kvm", -1)
    a.ok("one.vdc.addhost", v, 0, hx)

    before = acl_naming(a, f"@{g}")
    assert {f"@{g} HOST/* MANAGE #0", f"@{g} NET/* USE #0", f"@{g} DATASTORE/* USE #0",
            f"@{g} VM/* CREATE #0", f"@{keep} VM/@{g} USE #0",
            f"@{g} HOST/#{hx} MANAGE #0", f"#{uid} USER/@{g} USE+MANAGE+ADMIN+CREATE *"} <= before

    assert a.fail("one.group.delete", g)[0] == ACTION      # not empty
    a.ok("one.user.chgrp", uid, 1)
    a.ok("one.group.delete", g)
    assert acl_naming(a, f"@{g}") == set()
    assert not acl_naming(a, f"#{uid}")
    for vid in (0, v):
        assert g not in ids(xml(a.ok("one.vdc.info", vid)), "GROUPS")
    # The other group's VDC 0 rules are untouched.
    assert f"@{keep} HOST/* MANAGE #0" in acl_strings(a)


def test_rules_shared_by_two_vdcs_are_reference_counted(make_oned):
    """§6.2: both VDCs generate `@G HOST/%C MANAGE #0`; it is stored once and
    stays until the group leaves the second VDC."""
    d = make_oned()
    a = d.admin
    g = a.ok("one.group.allocate", "twice")
    c = a.ok("one.cluster.allocate", "both")
    va = a.ok("one.vdc.allocate", "NAME=va")
    vb = a.ok("one.vdc.allocate", "NAME=vb")
    generated = [f"@{g} HOST/%{c} MANAGE #0", f"@{g} NET/%{c} USE #0",
                 f"@{g} DATASTORE/%{c} USE #0"]

    def strings():
        return [x.findtext("STRING") for x in xml(a.ok("one.acl.info")).findall("ACL")]

    for v in (va, vb):
        a.ok("one.vdc.addgroup", v, g)
        a.ok("one.vdc.addcluster", v, 0, c)
    for s in generated:
        assert strings().count(s) == 1, s

    a.ok("one.vdc.delgroup", va, g)
    assert set(generated) <= set(strings())
    a.ok("one.vdc.delgroup", vb, g)
    assert not set(generated) & set(strings())

    # The same through the cluster entries, in the other order.
    for v in (va, vb):
        a.ok("one.vdc.delcluster", v, 0, c)
        a.ok("one.vdc.addgroup", v, g)
    assert not set(generated) & set(strings())
    for v in (vb, va):
        a.ok("one.vdc.addcluster", v, 0, c)
    a.ok("one.vdc.delcluster", vb, 0, c)
    assert set(generated) <= set(strings())
    a.ok("one.vdc.delcluster", va, 0, c)
    assert not set(generated) & set(strings())
    # VDC 0's rules for the group never moved.
    assert f"@{g} HOST/* MANAGE #0" in strings()


def test_undedicate_restores_the_default_vdc(make_oned):
    d = make_oned()
    a = d.admin
    t = a.ok("one.group.allocate", "tenant")
    tu_id = a.ok("one.user.allocate", "tu", PW, "core", [t])
    tu = d.proxy("tu", PW)
    h0, h1, h2 = (a.ok("one.host.allocate", h, "kvm", "kvm", -1) for h in ("h0", "h1", "h2"))

    def vdc0():
        v = xml(a.ok("one.vdc.info", 0))
        return ids(v, "GROUPS"), [(int(e.findtext("ZONE_ID")), int(e.findtext("CLUSTER_ID")))
                                  for e in v.findall("CLUSTERS/CLUSTER")]

    def hosts_seen():
        return {int(e.findtext("ID")) for e in xml(tu.ok("one.hostpool.info")).findall("HOST")}

    everything = {f"@{t} HOST/* MANAGE #0", f"@{t} NET/* USE #0", f"@{t} DATASTORE/* USE #0",
                  "@1 HOST/* MANAGE #0", "@1 NET/* USE #0", "@1 DATASTORE/* USE #0"}
    assert vdc0() == ([1, t], [(0, -10)])
    assert everything <= acl_strings(a)
    assert hosts_seen() == set()

    c = a.ok("one.cluster.dedicate", -1, t, f"{h1},{h2}")
    vt = vdc_by_name(a, "tenant")
    dedicated = {f"@{t} HOST/%{c} USE #0", f"@{t} HOST/%{c} MANAGE #0",
                 f"@{t} NET/%{c} USE #0", f"@{t} DATASTORE/%{c} USE #0"}
    shared = {"@1 HOST/%0 MANAGE #0", "@1 NET/%0 USE #0", "@1 DATASTORE/%0 USE #0"}
    rules = acl_strings(a)
    assert dedicated | shared <= rules
    assert not everything & rules
    assert vdc0() == ([1], [(0, 0)])
    v = xml(a.ok("one.vdc.info", vt))
    assert ids(v, "GROUPS") == [t]
    assert [e.findtext("CLUSTER_ID") for e in v.findall("CLUSTERS/CLUSTER")] == [str(c)]
    assert hosts_seen() == {h1, h2}
    assert d.proxy("tu", PW).fail("one.host.info", h0)[0] == AUTHORIZATION

    # A cluster created now is shared: VDC 0 gets it at once.
    c2 = a.ok("one.cluster.allocate", "later")
    assert vdc0() == ([1], [(0, 0), (0, c2)])
    # The dedication holds its group and VDC: neither can go first.
    a.ok("one.user.delete", tu_id)
    code, msg = a.fail("one.group.delete", t)
    assert code == ACTION and f"dedicated cluster {c}" in msg
    code, msg = a.fail("one.vdc.delete", vt)
    assert code == ACTION and f"dedicated cluster {c}" in msg

    a.ok("one.cluster.undedicate", c)
    rules = acl_strings(a)
    assert vdc0() == ([1, t], [(0, -10)])
    assert everything <= rules
    assert not dedicated & rules
    assert not shared & rules
    assert xml(a.ok("one.vdc.info", vt)).findall("CLUSTERS/CLUSTER") == []
    a.ok("one.group.delete", t)
    a.ok("one.vdc.delete", vt)
