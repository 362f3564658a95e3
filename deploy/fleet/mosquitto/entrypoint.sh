#!/bin/sh
# Makes mosquitto's password file from the environment at every start, then runs mosquitto
# (docker-compose.fleet.yml). Users: `scada` (the SCADA's Sparkplug host application, password
# MQTT_HOST_PASSWORD) and one per site, MQTT_EDGE_PASSWORDS="site-a=secret1,site-b=secret2": the
# user name is the site's Sparkplug edge node id, which the ACL (acl) lets it publish as, and
# nothing else. Passwords must not contain "," (the separator). Nothing is echoed.
set -eu
data=${MOSQUITTO_DATA:-/mosquitto/data}
conf=${MOSQUITTO_CONF:-/mosquitto/config/mosquitto.conf}
umask 077
passwd="$data/passwd"
: >"$passwd"
mosquitto_passwd -b "$passwd" scada "$MQTT_HOST_PASSWORD"
old_ifs=$IFS
IFS=','
for pair in $MQTT_EDGE_PASSWORDS; do
  user=${pair%%=*}
  pass=${pair#*=}
  if [ -z "$user" ] || [ "$user" = "$pair" ] || [ -z "$pass" ]; then
    echo 'MQTT_EDGE_PASSWORDS: expected site=password,site=password' >&2
    exit 1
  fi
  mosquitto_passwd -b "$passwd" "$user" "$pass"
done
IFS=$old_ifs
# mosquitto drops root for its own user and must still read the file.
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then chown mosquitto "$passwd"; fi
exec /usr/sbin/mosquitto -c "$conf"
