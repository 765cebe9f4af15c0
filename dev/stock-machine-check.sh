#!/bin/bash
# The README's two commands on a stock machine, as a newcomer types them, without changing this
# one: run as root with `sudo unshare -m --propagation private dev/stock-machine-check.sh`. It
# mounts an overlay of / on a tmpfs, chroots into it, removes redis-server, chromium, faketime and
# the npm caches there, clones this repository and times `npm install && npm run dev` (until
# /health answers) and then `npm test`. Uses the default ports 8787/8079/6380 inside the overlay.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
O=/tmp/ovl
mkdir -p $O && mount -t tmpfs -o size=16g tmpfs $O && mkdir -p $O/upper $O/work $O/merged
mount -t overlay overlay -o lowerdir=/,upperdir=$O/upper,workdir=$O/work $O/merged || exit 1
for d in proc sys dev dev/pts; do mount --bind /$d $O/merged/$d; done
mount -t tmpfs tmpfs $O/merged/tmp
cat > $O/merged/root/inside.sh <<'IN'
set -u
export HOME=/root
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq redis-server redis-tools chromium chromium-common faketime libfaketime >/dev/null 2>&1
rm -rf /root/.cache /root/.npm
unset NODE_EXTRA_CA_CERTS
echo "which: $(which redis-server chromium faketime | tr '\n' ' ') node $(node --version) npm $(npm --version)"
git clone -q "$REPO" /tmp/clone && cd /tmp/clone && git log --oneline | head -1
t0=$(date +%s%N)
setsid bash -c "npm install && npm run dev" > /tmp/first.log 2>&1 & DEV=$!
until curl -sf -m 2 localhost:8787/health > /tmp/health.json 2>/dev/null; do sleep 0.5; [ $(( ($(date +%s%N) - t0) / 1000000000 )) -gt 900 ] && break; done
t1=$(date +%s%N)
echo "first command: /health answered after $(( (t1 - t0) / 1000000 )) ms: $(cat /tmp/health.json)"
grep -v EBADENGINE /tmp/first.log | head -40
echo "EBADENGINE lines: $(grep -c EBADENGINE /tmp/first.log)"
kill -INT -- -$DEV; sleep 5
t2=$(date +%s%N)
npm test > /tmp/test.log 2>&1; rc=$?
t3=$(date +%s%N)
echo "second command: npm test exit $rc after $(( (t3 - t2) / 1000000 )) ms"
head -12 /tmp/test.log; grep -aE "Test Files|Tests  |FAIL|×" /tmp/test.log | head -30
cp /tmp/test.log /root/stock-test.log
IN
REPO=$REPO chroot $O/merged env REPO=$REPO bash /root/inside.sh
cp $O/merged/root/stock-test.log /tmp/stock-test.log 2>/dev/null
