#!/usr/bin/env bash
# Installs Pipeline on a Raspberry Pi (Raspberry Pi OS Bookworm, arm64) or any Debian 12 machine, from a published
# bundle: the node as a systemd service, Mosquitto with the generated mTLS config, and the PKI.
#   sudo deploy/install.sh PUBLISH_DIR --server-ip 192.168.1.50 --server-dns pipeline-pi.local
# Run it again to update the binaries; the PKI, settings and data are kept.
set -euo pipefail
usage="usage: sudo install.sh PUBLISH_DIR [--server-ip IP ...] [--server-dns NAME ...]
  PUBLISH_DIR  a self-contained bundle: dotnet publish src/Pipeline.Host -c Release -r linux-arm64 --self-contained true -o PUBLISH_DIR
  --server-ip, --server-dns  every address and name the devices use to reach this machine (the broker certificate's SANs;
               used only when the PKI is created, on the first run)"
case "${1:-}" in
  -h|--help) echo "$usage"; exit 0 ;;
  ""|-*) echo "$usage" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo)" >&2; exit 1; }
publish="$1"; shift
# The script installs no .NET runtime: the bundle must bring its own.
[ -x "$publish/pipeline" ] || { echo "$publish/pipeline not found: dotnet publish src/Pipeline.Host -c Release -r linux-arm64 --self-contained true -o $publish" >&2; exit 1; }
here="$(cd "$(dirname "$0")" && pwd)"

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto mosquitto-clients sqlite3 >/dev/null

id pipeline >/dev/null 2>&1 || useradd --system --home /var/lib/pipeline --shell /usr/sbin/nologin pipeline
install -d -m 0755 /opt/pipeline
cp -a "$publish"/. /opt/pipeline/
install -d -m 0755 /etc/pipeline
[ -f /etc/pipeline/appsettings.json ] || install -m 0644 "$here/appsettings.pi.json" /etc/pipeline/appsettings.json

# The PKI: created once, owned by the node's user, keys 0600 in a 0700 folder.
if [ ! -f /etc/pipeline/certs/ca.crt ]; then
  /opt/pipeline/pipeline certs init --dir /etc/pipeline/certs "$@"
fi
chown -R pipeline:pipeline /etc/pipeline/certs

# Mosquitto gets its own copy of what it needs, owned by its user, and runs our generated config: the CA, its CRL, the
# server's certificate and key, and the node's and SCADA identities' certificates (the ACL names them; devices are
# covered by a pattern and need nothing here).
install -d -m 0700 -o mosquitto -g mosquitto /etc/mosquitto/pipeline/certs
for f in ca.crt server.crt server.key crl.pem; do install -m 0600 -o mosquitto -g mosquitto "/etc/pipeline/certs/$f" /etc/mosquitto/pipeline/certs/; done
for f in /etc/pipeline/certs/*.crt; do install -m 0600 -o mosquitto -g mosquitto "$f" /etc/mosquitto/pipeline/certs/; done
/opt/pipeline/pipeline broker config --certs /etc/mosquitto/pipeline/certs --out /etc/mosquitto/pipeline --data /var/lib/mosquitto/
install -d /etc/systemd/system/mosquitto.service.d
# LimitNOFILE bounds the sockets Mosquitto holds: its max_connections (1000) can be pushed past by dropping TLS
# handshakes midway (2.0.11, docs/mqtt.md).
cat > /etc/systemd/system/mosquitto.service.d/pipeline.conf <<'CONF'
[Service]
LimitNOFILE=1100
ExecStart=
ExecStart=/usr/sbin/mosquitto -c /etc/mosquitto/pipeline/mosquitto.conf
CONF

install -m 0644 "$here/systemd/pipeline.service" /etc/systemd/system/pipeline.service
systemctl daemon-reload
systemctl enable --now mosquitto
systemctl restart mosquitto
systemctl enable --now pipeline
systemctl --no-pager status pipeline | head -5
echo "Installed. Logs: journalctl -u pipeline -f. Add devices: sudo -u pipeline /opt/pipeline/pipeline sensors add NAME --certs /etc/pipeline/certs --store /var/lib/pipeline/pipeline.db"
