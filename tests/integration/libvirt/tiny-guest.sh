#!/bin/bash
# tiny-guest.sh OUTDIR - build a tiny bootable x86_64 guest from Debian packages only.
# (Adapted from the founders' measured recipe, shared/recipes/libvirt-tiny-guest.sh; used by
# tests/integration/libvirt_env.py, which caches OUTDIR by this script's hash.)
#
# Produces OUTDIR/vmlinuz (Debian cloud kernel), OUTDIR/initrd.gz (busybox-static + virtio
# modules, ~1.3 MB) and OUTDIR/base.qcow2 (32 MiB ext4 root fs with busybox). Nothing is
# installed on the host: the .debs are fetched with `apt-get download` and unpacked locally.
# Needs: apt-get (after `apt-get update`), dpkg-deb, gzip, mkfs.ext4 (e2fsprogs), qemu-img.
#
# Kernel command-line switches understood by the guest's /init (put them in <cmdline>):
#   console=ttyS0        serial console (use a <serial> device with a log file)
#   lvmode=run           (default) print GUEST-HELLO, then "GUEST-HB n" every 2 s forever
#   lvmode=poweroff      print GUEST-HELLO and power off at once (~2 s of guest time)
#   lvmode=root          mount /dev/vda (virtio disk, e.g. a qcow2 overlay of base.qcow2),
#                        append a line to /var/boots on it, switch_root to its /sbin/init
#   lvip=10.x.y.z/24     configure eth0 (virtio-net) statically; lvdhcp=1 uses DHCP instead
#   lvping=10.x.y.z      ping that address until it answers, report on the console
# The guest runs busybox acpid, so `virsh shutdown` (ACPI power button) powers it off.
set -euo pipefail
OUT=${1:?usage: $0 OUTDIR}
mkdir -p "$OUT/pkgs"; OUT=$(cd "$OUT" && pwd)
cd "$OUT/pkgs"

kernel_pkg() {
    apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/{print $2; exit}'
}
KPKG=$(kernel_pkg)
# A machine whose package lists were never fetched (or were cleaned) knows
# no kernel package: fetch the lists once, as root, and ask again.
if [ -z "$KPKG" ] && [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq >&2 || true
    KPKG=$(kernel_pkg)
fi
[ -n "$KPKG" ] || { echo "cannot resolve the cloud kernel package (run apt-get update)" >&2; exit 1; }
ls "$KPKG"_*.deb > /dev/null 2>&1 || apt-get download -q "$KPKG" >&2
ls busybox-static_*.deb > /dev/null 2>&1 || apt-get download -q busybox-static >&2
rm -rf kx bx; mkdir kx bx
dpkg-deb -x "$KPKG"_*.deb kx
dpkg-deb -x busybox-static_*.deb bx
BB=$OUT/pkgs/bx/bin/busybox
KVER=$(ls kx/lib/modules)
M=kx/lib/modules/$KVER/kernel
cp kx/boot/vmlinuz-"$KVER" "$OUT/vmlinuz"

# ---------- initramfs ----------
R=$OUT/initrd.d
rm -rf "$R"; mkdir -p "$R"/{bin,sbin,proc,sys,dev,newroot,lib/modules,etc/acpi/PWRF,tmp}
cp "$BB" "$R/bin/busybox"
for m in virtio/virtio_ring virtio/virtio virtio/virtio_pci_modern_dev virtio/virtio_pci_legacy_dev \
         virtio/virtio_pci block/virtio_blk net/net_failover net/virtio_net acpi/button input/evdev; do
    cp "$M/drivers/$m.ko" "$R/lib/modules/"
done
cp "$M/net/core/failover.ko" "$R/lib/modules/"
cat > "$R/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "GUEST: ACPI power button -> poweroff" > /dev/console
sync; mount -o remount,ro / 2>/dev/null; poweroff -f
EOF
chmod +x "$R/etc/acpi/PWRF/00000080"
printf 'PWRF PWRF/00000080\nPWRB PWRF/00000080\n' > "$R/etc/acpid.conf"
cat > "$R/etc/udhcpc.script" <<'EOF'
#!/bin/sh
case "$1" in
  bound|renew) ip addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface"
               echo "GUEST: DHCP $1 $ip/$mask on $interface" > /dev/console ;;
esac
EOF
chmod +x "$R/etc/udhcpc.script"
cat > "$R/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
arg() { for w in $(cat /proc/cmdline); do case "$w" in "$1"=*) echo "${w#*=}";; esac; done; }
MODE=$(arg lvmode); MODE=${MODE:-run}
echo "GUEST-HELLO kernel=$(uname -r) mode=$MODE uptime=$(cut -d' ' -f1 /proc/uptime)s"
[ "$MODE" = poweroff ] && { echo "GUEST: powering off"; poweroff -f; }
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk failover net_failover virtio_net button evdev; do
    insmod /lib/modules/$m.ko 2>/dev/null
done
acpid -c /etc/acpi -a /etc/acpid.conf -l /tmp/acpid.log
IP=$(arg lvip)
if [ -n "$IP" ]; then ip link set lo up; ip link set eth0 up && ip addr add "$IP" dev eth0 && echo "GUEST: eth0 $IP up"; fi
if [ -n "$(arg lvdhcp)" ]; then ip link set lo up; ip link set eth0 up; udhcpc -i eth0 -n -q -t 10 -s /etc/udhcpc.script >/dev/null 2>&1 || echo "GUEST: DHCP failed"; fi
PEER=$(arg lvping)
if [ -n "$PEER" ]; then ( for i in $(seq 1 30); do
    if ping -c 1 -W 1 "$PEER" >/dev/null 2>&1; then echo "GUEST: ping $PEER OK after $i tries: $(ping -c 3 -q "$PEER" | tail -1)"; exit 0; fi
    sleep 1; done; echo "GUEST: ping $PEER FAILED" ) & fi
if [ "$MODE" = root ]; then
    mount -t ext4 /dev/vda /newroot && echo "GUEST: mounted /dev/vda, rootfs-id=$(cat /newroot/etc/rootfs-id)"
    echo "written-by-guest at boot $(cat /proc/uptime)" >> /newroot/var/boots; sync
    echo "GUEST: boots recorded on disk: $(wc -l < /newroot/var/boots)"
    mount --move /dev /newroot/dev; umount /proc /sys
    exec switch_root /newroot /sbin/init
fi
n=0; while :; do n=$((n+1)); echo "GUEST-HB $n up=$(cut -d' ' -f1 /proc/uptime)"; sleep 2; done
EOF
chmod +x "$R/init"
(cd "$R" && find . | "$BB" cpio -o -H newc 2>/dev/null | gzip -1) > "$OUT/initrd.gz"

# ---------- root file system for lvmode=root (qcow2 backing image) ----------
F=$OUT/rootfs.d
rm -rf "$F"; mkdir -p "$F"/{bin,sbin,etc,proc,sys,dev,var,tmp}
cp "$BB" "$F/bin/busybox"
cp -a "$R/etc/acpi" "$R/etc/acpid.conf" "$F/etc/"
echo "debian-busybox-rootfs-v1" > "$F/etc/rootfs-id"
cat > "$F/sbin/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys
echo "ROOTFS: /sbin/init running from the disk, rootfs-id=$(cat /etc/rootfs-id)"
acpid -c /etc/acpi -a /etc/acpid.conf -l /tmp/acpid.log
n=0; while :; do n=$((n+1)); echo "ROOT-HB $n up=$(cut -d' ' -f1 /proc/uptime)"; sleep 2; done
EOF
chmod +x "$F/sbin/init"
rm -f "$OUT/base.raw" "$OUT/base.qcow2"
mkfs.ext4 -q -L lvroot -d "$F" "$OUT/base.raw" 32M
qemu-img convert -f raw -O qcow2 "$OUT/base.raw" "$OUT/base.qcow2"
rm -rf "$OUT/base.raw" "$R" "$F" "$OUT/pkgs/kx" "$OUT/pkgs/bx"
ls -l "$OUT/vmlinuz" "$OUT/initrd.gz" "$OUT/base.qcow2"
