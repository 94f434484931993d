#!/usr/bin/env bash
# Manual check (root, network, ~3 min): the Gradescope zip of a level, unpacked in a freshly
# debootstrapped Debian bookworm (no Python, no compiler), runs setup.sh as Gradescope does,
# then run_autograder on the reference solutions and on the stubs; prints both scores.
#
#   sudo bash tests/manual/gradescope_in_clean_os.sh [LEVEL] [ROOTFS]   (default level0)
#
# Not in CI: it needs root, debootstrap and minutes of downloads. Two things differ from a
# real Gradescope image, on purpose: the host's Rust toolchain is bind-mounted read-only
# (setup.sh would otherwise fetch it from sh.rustup.rs), and the host's CA bundle is passed on
# (for networks that intercept TLS).
set -euo pipefail
LEVEL="${1:-level0}"
ROOTFS="${2:-$(mktemp -d /tmp/gradescope-os.XXXX)}"
KIT="$(cd "$(dirname "$0")/../.." && pwd)"
[ "$(id -u)" = 0 ] || { echo "error: run as root (chroot, mounts)"; exit 2; }
command -v debootstrap >/dev/null || { echo "error: debootstrap is not installed"; exit 2; }

[ -x "$ROOTFS/bin/bash" ] || debootstrap --variant=minbase bookworm "$ROOTFS" \
    http://deb.debian.org/debian >/dev/null
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/root/host-ca.crt"
mounts=()
cleanup() { for m in "${mounts[@]}"; do umount -l "$m" 2>/dev/null || true; done; }
trap cleanup EXIT
bind() { mkdir -p "$ROOTFS$2"; mount --bind "$1" "$ROOTFS$2"; mounts=("$ROOTFS$2" "${mounts[@]}"); }
bind /proc /proc
bind /dev /dev
if [ "$LEVEL" = level0 ] || [ "$LEVEL" = all ]; then
    bind "$HOME/.rustup" /root/.rustup && mount -o remount,bind,ro "$ROOTFS/root/.rustup"
    bind "$HOME/.cargo" /root/.cargo
fi

rm -rf "$ROOTFS/autograder" && mkdir -p "$ROOTFS/autograder/source" "$ROOTFS/autograder/results"
python3 "$KIT/grade.py" gradescope "$LEVEL" -o "$ROOTFS/autograder/autograder.zip" >/dev/null
python3 -c "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])" \
    "$ROOTFS/autograder/autograder.zip" "$ROOTFS/autograder/source"
# zipfile drops the modes that Gradescope's unzip keeps: restore the scripts' execute bits.
chmod +x "$ROOTFS/autograder/source/setup.sh" "$ROOTFS/autograder/source/run_autograder"
cp "$ROOTFS/autograder/source/run_autograder" "$ROOTFS/autograder/run_autograder"

in_os() {
    chroot "$ROOTFS" /usr/bin/env -i HOME=/root DEBIAN_FRONTEND=noninteractive \
        PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        PIP_CERT=/root/host-ca.crt SSL_CERT_FILE=/root/host-ca.crt bash -c "$1"
}
start=$SECONDS
in_os 'cd /autograder/source && bash ./setup.sh' >"$ROOTFS/setup.log" 2>&1 \
    || { echo "setup.sh failed: see $ROOTFS/setup.log"; exit 1; }
echo "setup.sh: ok in $((SECONDS - start)) s (log: $ROOTFS/setup.log)"
trap 'cleanup; echo "run_autograder left no results.json: see $ROOTFS/run-*.log"' ERR
for which in solutions assignments; do
    rm -rf "$ROOTFS/autograder/submission" "$ROOTFS/autograder/results/"*
    cp -r "$KIT/$which/$LEVEL" "$ROOTFS/autograder/submission"
    rm -f "$ROOTFS/autograder/submission/"*.ipynb
    start=$SECONDS
    in_os 'cd /autograder && ./run_autograder' >"$ROOTFS/run-$which.log" 2>&1 || true
    score=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['score'])" \
        "$ROOTFS/autograder/results/results.json")
    echo "run_autograder on $which: score $score in $((SECONDS - start)) s"
done
