#!/usr/bin/env bash
# A throw-away Samba AD DC on loopback for adphoto's tests (Debian 12, run as root).
#
#   tests/ad/samba-dc.sh start    provision + start + seed (or reuse a running DC, or restart a stopped one)
#   tests/ad/samba-dc.sh stop     SIGTERM the samba master and wait; no error if not running
#   tests/ad/samba-dc.sh reset    stop and delete the DC directory
#   tests/ad/samba-dc.sh status   exit 0 if running and answering LDAPS, 3 otherwise
#   tests/ad/samba-dc.sh env      print the path of test-env.sh (exit 1 if it does not exist yet)
#
# DC directory: $ADPHOTO_DC_DIR (default /tmp/adphoto-dc). After `start`: `source "$DIR/test-env.sh"`.
# Domain EXAMPLE.TEST, base DC=example,DC=test. Seed data: see tests/ad/README.md.
set -euo pipefail

export PATH="$PATH:/usr/sbin:/sbin"

DIR=${ADPHOTO_DC_DIR:-/tmp/adphoto-dc}
case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
DIR=${DIR%/}

REALM=EXAMPLE.TEST
DOMAIN=EXAMPLE
BASE=DC=example,DC=test
ADMIN_PASS='Adphoto-Test-1!'
HELPDESK_PASS='Adphoto-Helpdesk-1!'
STAFF=OU=Staff,$BASE
BIG_OU=OU=Big,$BASE
BIG_COUNT=2100

MARK=$DIR/.adphoto-dc      # "this directory belongs to samba-dc.sh" (guards rm -rf)
SEEDED=$DIR/.seeded        # provision + seed completed
CONF=$DIR/etc/smb.conf
RUN=$DIR/run
PIDFILE=$RUN/samba.pid
TLS=$DIR/tls
ENVFILE=$DIR/test-env.sh
KRB5CONF=$DIR/krb5.conf
CCACHE=$DIR/krb5cc
# TCP ports our DC binds (ldap: 389 636 3268 3269, kdc: 88 464)
PORTS=(88 389 464 636 3268 3269)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
since() { local d=$(($(now_ms) - $1)); printf '%d.%01d s' $((d / 1000)) $((d % 1000 / 100)); }
log() { printf 'samba-dc: %s\n' "$*" >&2; }
die() { printf 'samba-dc: ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- packages
PKGS=(samba samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind
      krb5-user ldap-utils openssl imagemagick)

ensure_packages() {
    local missing=() p c
    for p in "${PKGS[@]}"; do
        dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
    done
    for c in samba samba-tool ldapadd ldapsearch ldapmodify kinit openssl convert iconv base64; do
        command -v "$c" >/dev/null 2>&1 || missing+=("(command $c)")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    [[ $(id -u) -eq 0 ]] || die "missing packages (${missing[*]}) and not root: cannot apt-get install"
    log "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >&2
}

# ---------------------------------------------------------------- process helpers
master_pid() {  # prints the pid of our running samba master, or fails
    local pid
    [[ -f $PIDFILE ]] || return 1
    pid=$(tr -dc '0-9' <"$PIDFILE")
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == samba ]] || return 1
    [[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1   # killed, not yet reaped
    echo "$pid"
}

session_pids() {  # processes in session $1 (samba -D calls setsid, so its children share the master's sid)
    ps -e -o pid=,sid= | awk -v s="$1" '$2 == s && $1 != s { print $1 }'
}

ldaps_ok() {
    LDAPTLS_CACERT=$TLS/ca.pem LDAPTLS_REQCERT=demand \
        ldapsearch -x -o nettimeout=3 -H ldaps://localhost:636 -b '' -s base -LLL dnsHostName >/dev/null 2>&1
}

port_busy() {  # TCP port $1 has a listener (any address)
    if command -v ss >/dev/null 2>&1; then
        [[ -n $(ss -Hltn "sport = :$1" 2>/dev/null) ]]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

check_ports() {
    local p busy=()
    for p in "${PORTS[@]}"; do port_busy "$p" && busy+=("$p"); done
    if [[ ${#busy[@]} -gt 0 ]]; then
        command -v ss >/dev/null 2>&1 && ss -ltnp 2>/dev/null | grep -E ":($(IFS='|'; echo "${busy[*]}"))\b" >&2 || true
        die "TCP port(s) ${busy[*]} already in use: another LDAP/Kerberos server (or another DC) is running on this machine. Stop it first (only one DC per network namespace can own 88/389/636)."
    fi
}

kill_leftovers() {  # samba processes of the session of a dead master $1 (e.g. after a kill -9) still hold ports
    local p i
    for ((i = 0; i < 50; i++)); do
        [[ -z $(session_pids "$1") ]] && return 0
        sleep 0.1
    done
    for p in $(session_pids "$1"); do
        [[ $(cat "/proc/$p/comm" 2>/dev/null) == samba ]] && kill -KILL "$p" 2>/dev/null
    done
    return 0
}

stop_dc() {
    local pid i
    if ! pid=$(master_pid); then
        if [[ -f $PIDFILE ]]; then   # stale pid file: master died
            pid=$(tr -dc '0-9' <"$PIDFILE")
            [[ -n $pid ]] && kill_leftovers "$pid"
            rm -f "$PIDFILE"
        fi
        log "not running"
        return 0
    fi
    log "stopping samba (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "samba $pid did not exit after 30 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    # children notice the master's exit by themselves; give them 5 s, then kill the leftovers by pid
    kill_leftovers "$pid"
    rm -f "$PIDFILE"
    log "stopped"
}

start_samba() {
    local pid i
    check_ports
    log "starting samba"
    samba -s "$CONF" -D </dev/null >>"$DIR/log/samba-stdout.log" 2>&1 9>&- \
        || { tail -n 30 "$DIR/log/samba.log" >&2 || true; die "samba -D failed"; }
    for ((i = 0; i < 600; i++)); do   # 60 s
        if ldaps_ok; then
            log "LDAPS answering after $((i / 10)).$((i % 10)) s"
            return 0
        fi
        if ((i > 20)) && ! master_pid >/dev/null; then
            tail -n 40 "$DIR/log/samba.log" >&2 || true
            die "samba exited during startup (log: $DIR/log/samba.log)"
        fi
        sleep 0.1
    done
    tail -n 40 "$DIR/log/samba.log" >&2 || true
    die "samba did not answer on ldaps://localhost:636 within 60 s (log: $DIR/log/samba.log)"
}

# ---------------------------------------------------------------- provisioning
host_names() {  # distinct host names of this machine (for the TLS SAN and ldap/ SPNs)
    { hostname; hostname -s 2>/dev/null; hostname -f 2>/dev/null; } | awk 'NF && !seen[$1]++ { print $1 }'
}

make_certs() {
    local san h
    mkdir -p "$TLS"
    # No IP addresses on purpose: ldaps://127.0.0.1 is the tests' "certificate for another name" case.
    san="DNS:localhost,DNS:dc1.example.test,DNS:dc1"
    while read -r h; do
        [[ $h == localhost || $h == dc1 || $h == dc1.example.test ]] || san+=",DNS:$h"
    done < <(host_names)
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -subj "/O=adphoto tests/CN=adphoto test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$TLS/ca.key" -out "$TLS/ca.pem" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "/O=adphoto tests/CN=localhost" \
        -keyout "$TLS/server.key" -out "$TLS/server.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" "subjectAltName=$san" >"$TLS/server.ext"
    openssl x509 -req -sha256 -days 3650 -in "$TLS/server.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" \
        -CAcreateserial -extfile "$TLS/server.ext" -out "$TLS/server.pem" 2>/dev/null
    chmod 600 "$TLS/ca.key" "$TLS/server.key"
    log "TLS certificate SAN: $san"
}

write_krb5_conf() {
    local h
    {
        printf '[libdefaults]\n'
        printf '\tdefault_realm = %s\n\tdns_lookup_kdc = false\n\tdns_lookup_realm = false\n' "$REALM"
        printf '\trdns = false\n\tdns_canonicalize_hostname = false\n\tudp_preference_limit = 1\n'
        printf '\n[realms]\n\t%s = {\n\t\tkdc = 127.0.0.1\n\t\tadmin_server = 127.0.0.1\n\t\tkpasswd_server = 127.0.0.1\n\t}\n' "$REALM"
        printf '\n[domain_realm]\n\t.example.test = %s\n\texample.test = %s\n\tlocalhost = %s\n' "$REALM" "$REALM" "$REALM"
        while read -r h; do printf '\t%s = %s\n' "$h" "$REALM"; done < <(host_names)
    } >"$KRB5CONF"
}

provision() {
    [[ -d $DIR && -n $(ls -A "$DIR" 2>/dev/null) && ! -e $MARK ]] \
        && die "$DIR exists, is not empty and was not made by samba-dc.sh; refusing to touch it (set ADPHOTO_DC_DIR)"
    if [[ -e $MARK ]]; then
        log "removing incomplete DC directory $DIR"
        stop_dc
        rm -rf "$DIR"
    fi
    check_ports
    mkdir -p "$DIR" "$RUN" "$DIR/log"
    touch "$MARK"
    : >"$DIR/empty.conf"
    local t0; t0=$(now_ms)
    make_certs
    write_krb5_conf
    log "provisioning $REALM in $DIR"
    samba-tool domain provision -s "$DIR/empty.conf" --targetdir="$DIR" \
        --realm="$REALM" --domain="$DOMAIN" --server-role=dc --dns-backend=NONE \
        --host-name=dc1 --host-ip=127.0.0.1 --adminpass="$ADMIN_PASS" \
        --option="interfaces = lo" --option="bind interfaces only = yes" \
        --option="pid directory = $RUN" --option="ncalrpc dir = $RUN/ncalrpc" \
        --option="winbindd socket directory = $RUN/winbindd" \
        --option="ntp signd socket directory = $RUN/ntp_signd" \
        --option="log file = $DIR/log/samba.log" --option="max log size = 10000" \
        --option="tls enabled = yes" --option="tls keyfile = $TLS/server.key" \
        --option="tls certfile = $TLS/server.pem" --option="tls cafile = $TLS/ca.pem" \
        --option="server services = ldap cldap kdc" \
        >"$DIR/log/provision.log" 2>&1 \
        || { tail -n 30 "$DIR/log/provision.log" >&2; die "provision failed (log: $DIR/log/provision.log)"; }
    add_spns
    log "provisioned in $(since "$t0") (with TLS certs, krb5.conf, SPNs)"
}

add_spns() {  # so that GSSAPI binds to ldap://localhost and ldap://$(hostname) find a service principal
    local h have
    have=$(samba-tool spn list 'DC1$' -s "$CONF" -H "$DIR/private/sam.ldb" 2>/dev/null || true)
    while read -r h; do
        grep -qix "[[:space:]]*ldap/$h" <<<"$have" && continue
        samba-tool spn add "ldap/$h" 'DC1$' -s "$CONF" -H "$DIR/private/sam.ldb" >/dev/null
    done < <({ echo localhost; host_names; } | awk 'NF && !seen[tolower($1)]++')
}

# ---------------------------------------------------------------- seeding
# LDIF line; base64 when the value is not plain printable ASCII (diacritics, leading space/colon/<)
attr() {
    local LC_ALL=C   # byte-wise: anything outside printable ASCII goes base64
    if [[ $2 =~ ^[\ -~]*$ && ! $2 =~ ^[\ :\<] ]]; then
        printf '%s: %s\n' "$1" "$2"
    else
        printf '%s:: %s\n' "$1" "$(printf '%s' "$2" | base64 -w0)"
    fi
}

photo_b64() {  # small real JPEG, deterministic per colour pair
    convert -size 96x96 "gradient:$1-$2" -strip -quality 85 jpeg:- | base64 -w0
}

ldap_admin() {  # ldapadd/ldapmodify over LDAPS as Administrator
    local tool=$1; shift
    LDAPTLS_CACERT=$TLS/ca.pem LDAPTLS_REQCERT=demand \
        "$tool" -x -H ldaps://localhost:636 -D "Administrator@$REALM" -w "$ADMIN_PASS" "$@"
}

# OU (relative to the base) | sAMAccountName | givenName | sn | mail | employeeID | employeeNumber | department | title | photo
# Keep in sync with the table in tests/ad/README.md (tests assert on it).
SEED_USERS='
OU=Staff|amueller|Anna|Müller|anna.mueller@example.test|E1001|1001|Management|Office Manager|#c0392b-#f1c40f
OU=Staff|sobrien|Seán|O'"'"'Brien|sean.obrien@example.test|E1002|1002|Management|Managing Director|
OU=Staff|jdoe|John|Doe|john.doe@example.test|E1003|1003|Management|Assistant|
OU=Staff|mrossi|Marco|Rossi|marco.rossi@example.test|E1004|1004|Facilities|Facility Manager|
OU=Sales,OU=Staff|cdubois|Chloé|Dubois|chloe.dubois@example.test|E2001|2001|Sales|Head of Sales|#2980b9-#ecf0f1
OU=Sales,OU=Staff|jgarcia|José|García|jose.garcia@example.test|E2002|2002|Sales|Account Manager|
OU=Sales,OU=Staff|jdoe2|John|Doe|john.doe2@example.test|E2003|2003|Sales|Account Manager|
OU=Sales,OU=Staff|pnovak|Petra|Novák|petra.novak@example.test|E2004|2004|Sales|Sales Assistant|
OU=EMEA,OU=Sales,OU=Staff|lwisniewski|Łukasz|Wiśniewski|lukasz.wisniewski@example.test|E2101|2101|Sales EMEA|Account Executive|#27ae60-#2c3e50
OU=EMEA,OU=Sales,OU=Staff|zbronte|Zoë|Brontë|zoe.bronte@example.test|E2102|2102|Sales EMEA|Account Executive|
OU=EMEA,OU=Sales,OU=Staff|jweiss|Jürgen|Weiß|juergen.weiss@example.test|E2103|2103|Sales EMEA|Regional Director|
OU=EMEA,OU=Sales,OU=Staff|aoconnor|Aoife|O'"'"'Connor|aoife.oconnor@example.test|E2104|2104|Sales EMEA|Sales Engineer|
OU=EMEA,OU=Sales,OU=Staff|sjensen|Søren|Jensen|soren.jensen@example.test|E2105|2105|Sales EMEA|Account Executive|
OU=EMEA,OU=Sales,OU=Staff|fnunez|Fátima|Núñez|fatima.nunez@example.test|E2106|2106|Sales EMEA|Inside Sales|
OU=Americas,OU=Sales,OU=Staff|mlopez|María|López|maria.lopez@example.test|E2201|2201|Sales Americas|Regional Director|
OU=Americas,OU=Sales,OU=Staff|kjohnson|Kevin|Johnson|kevin.johnson@example.test|E2202|2202|Sales Americas|Account Executive|
OU=Americas,OU=Sales,OU=Staff|gtremblay|Gaël|Tremblay|gael.tremblay@example.test|E2203|2203|Sales Americas|Account Executive|
OU=Engineering,OU=Staff|ibergstrom|Ingrid|Bergström|ingrid.bergstrom@example.test|E3001|3001|Engineering|CTO|
OU=Engineering,OU=Staff|rpatel|Raj|Patel|raj.patel@example.test|E3002|3002|Engineering|Software Engineer|
OU=Engineering,OU=Staff|nmartin|Noël|Martin|noel.martin@example.test|E3003|3003|Engineering|QA Engineer|
OU=Engineering,OU=Staff|divanov|Dmitri|Ivanov|dmitri.ivanov@example.test|E3004|3004|Engineering|Software Engineer|
OU=Engineering,OU=Staff|ecote|Émilie|Côté|emilie.cote@example.test|E3005|3005|Engineering|UX Designer|
OU=Engineering,OU=Staff|tnguyen|Thảo|Nguyễn|thao.nguyen@example.test|E3006|3006|Engineering|Data Engineer|
OU=Engineering,OU=Staff|ytanaka|Yuki|Tanaka||||Engineering|Intern|
OU=Platform,OU=Engineering,OU=Staff|mchen|Mei|Chen|mei.chen@example.test|E3101|3101|Platform|Site Reliability Engineer|
OU=Platform,OU=Engineering,OU=Staff|bakesson|Björn|Åkesson|bjorn.akesson@example.test|E3102|3102|Platform|Site Reliability Engineer|
OU=Platform,OU=Engineering,OU=Staff|klee|Kim|Lee|kim.lee@example.test|E3103|3103|Platform|Platform Lead|
OU=Platform,OU=Engineering,OU=Staff|ojonsson|Ólafur|Jónsson|olafur.jonsson@example.test|E3104|3104|Platform|Software Engineer|
OU=Contractors|pquinn|Pat|Quinn|pat.quinn@example.test|C0001|9001|Contractors|Consultant|#8e44ad-#fdfefe
OU=Contractors|ddsouza|Dev|D'"'"'Souza|dev.dsouza@example.test|C0002|9002|Contractors|Consultant|
'

ldif_ous() {
    local ou
    for ou in OU=Staff OU=Sales,OU=Staff OU=EMEA,OU=Sales,OU=Staff OU=Americas,OU=Sales,OU=Staff \
              OU=Engineering,OU=Staff OU=Platform,OU=Engineering,OU=Staff OU=Contractors OU=Big; do
        printf 'dn: %s,%s\nobjectClass: top\nobjectClass: organizationalUnit\n\n' "$ou" "$BASE"
    done
}

ldif_helpdesk() {
    local pw
    pw=$(printf '"%s"' "$HELPDESK_PASS" | iconv -f UTF-8 -t UTF-16LE | base64 -w0)
    cat <<EOF
dn: CN=helpdesk,CN=Users,$BASE
objectClass: top
objectClass: person
objectClass: organizationalPerson
objectClass: user
cn: helpdesk
sAMAccountName: helpdesk
userPrincipalName: helpdesk@example.test
displayName: Helpdesk (photo service account)
description: Least-privilege test account: may write thumbnailPhoto of users under $STAFF only
userAccountControl: 512
unicodePwd:: $pw

dn: CN=disabled,CN=Users,$BASE
objectClass: user
cn: disabled
sAMAccountName: disabled
userPrincipalName: disabled@example.test
description: Disabled account (bind answers data 533); same password as helpdesk
userAccountControl: 514
unicodePwd:: $pw

dn: CN=expired,CN=Users,$BASE
objectClass: user
cn: expired
sAMAccountName: expired
userPrincipalName: expired@example.test
description: Expired account (accountExpires 1970; bind answers data 701); same password as helpdesk
userAccountControl: 512
accountExpires: 116444736000000000
unicodePwd:: $pw

EOF
}

ldif_users() {
    local ou sam gn sn mail eid enr dept title photo
    while IFS='|' read -r ou sam gn sn mail eid enr dept title photo; do
        [[ -n $sam ]] || continue
        attr dn "CN=$gn $sn,$ou,$BASE"
        printf 'objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\n'
        attr cn "$gn $sn"
        attr sAMAccountName "$sam"
        attr userPrincipalName "$sam@example.test"
        attr givenName "$gn"
        attr sn "$sn"
        attr displayName "$gn $sn"
        [[ -n $mail ]] && attr mail "$mail"
        [[ -n $eid ]] && attr employeeID "$eid"
        [[ -n $enr ]] && attr employeeNumber "$enr"
        attr department "$dept"
        attr title "$title"
        attr company "Example Ltd."
        [[ -n $photo ]] && printf 'thumbnailPhoto:: %s\n' "$(photo_b64 "${photo%%-*}" "${photo#*-}")"
        echo
    done <<<"$SEED_USERS"
    # not users: a contact (same names as amueller!) and a computer, both in OU=Sales
    attr dn "CN=Anna Müller (Acme),OU=Sales,OU=Staff,$BASE"
    printf 'objectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: contact\n'
    attr givenName Anna; attr sn Müller; attr displayName "Anna Müller (Acme Ltd.)"
    printf 'mail: anna.mueller@acme.example\ncompany: Acme Ltd.\n\n'
    cat <<EOF
dn: CN=SALES-PC01,OU=Sales,OU=Staff,$BASE
objectClass: top
objectClass: computer
cn: SALES-PC01
sAMAccountName: SALES-PC01\$
userAccountControl: 4096
dNSHostName: sales-pc01.example.test
description: a computer account (objectClass computer derives from user: must not be listed as a user)

EOF
}

ldif_big() {
    local i n
    for ((i = 1; i <= BIG_COUNT; i++)); do
        printf -v n '%04d' "$i"
        printf 'dn: CN=Big User %s,%s\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\ncn: Big User %s\nsAMAccountName: big%s\nuserPrincipalName: big%s@example.test\ngivenName: Big\nsn: User%s\ndisplayName: Big User %s\nmail: big%s@example.test\nemployeeID: B%s\ndepartment: Big\n\n' \
            "$n" "$BIG_OU" "$n" "$n" "$n" "$n" "$n" "$n" "$n"
    done
}

seed() {
    local t0 sid
    t0=$(now_ms)
    log "seeding: OUs and helpdesk"
    { ldif_ous; ldif_helpdesk; } | ldap_admin ldapadd >/dev/null
    # helpdesk may write thumbnailPhoto (8d3bca50-...) on descendant objects of class user (bf967aba-...) of OU=Staff
    sid=$(samba-tool user show helpdesk --attributes=objectSid -s "$CONF" -H "$DIR/private/sam.ldb" 2>/dev/null \
          | awk '/^objectSid:/ { print $2 }')
    [[ $sid == S-1-5-21-* ]] || die "could not read the helpdesk SID"
    samba-tool dsacl set -s "$CONF" -H "$DIR/private/sam.ldb" --objectdn="$STAFF" \
        --sddl="(OA;CIIO;WP;8d3bca50-1d7e-11d0-a081-00aa006c33ed;bf967aba-0de6-11d0-a285-00aa003049e2;$sid)" >/dev/null
    log "seeding: named users, contact, computer"
    ldif_users | ldap_admin ldapadd >/dev/null
    log "seeding: $BIG_COUNT users in $BIG_OU"
    ldif_big | ldap_admin ldapadd >/dev/null
    log "seeded in $(since "$t0")"
}

# ---------------------------------------------------------------- env
kinit_admin() {
    local i
    for ((i = 0; i < 50; i++)); do
        if printf '%s\n' "$ADMIN_PASS" | KRB5_CONFIG=$KRB5CONF KRB5CCNAME=FILE:$CCACHE \
            kinit "administrator@$REALM" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.2
    done
    die "kinit administrator@$REALM failed (KRB5_CONFIG=$KRB5CONF)"
}

write_env() {
    cat >"$ENVFILE" <<EOF
# written by tests/ad/samba-dc.sh — source this file
export ADPHOTO_DC_DIR=$DIR
export ADPHOTO_TEST_LDAPS_URL=ldaps://localhost:636
export ADPHOTO_TEST_STARTTLS_URL=ldap://localhost:389
export ADPHOTO_TEST_CA=$TLS/ca.pem
export ADPHOTO_TEST_BASE=$BASE
export ADPHOTO_TEST_ADMIN=Administrator@$REALM
export ADPHOTO_TEST_PASSWORD='$ADMIN_PASS'
export ADPHOTO_TEST_HELPDESK_USER=helpdesk@$REALM
export ADPHOTO_TEST_HELPDESK_PASSWORD='$HELPDESK_PASS'
export ADPHOTO_TEST_STAFF_OU=$STAFF
export ADPHOTO_TEST_BIG_OU=$BIG_OU
export ADPHOTO_TEST_BIG_COUNT=$BIG_COUNT
export KRB5_CONFIG=$KRB5CONF
export KRB5CCNAME=FILE:$CCACHE
EOF
}

# ---------------------------------------------------------------- commands
cmd_start() {
    local t0
    t0=$(now_ms)
    [[ $(id -u) -eq 0 ]] || die "must run as root (a DC binds ports 88/389/636)"
    if master_pid >/dev/null && [[ -e $SEEDED ]] && ldaps_ok; then
        log "reusing the running DC in $DIR"
    else
        ensure_packages
        if [[ -e $SEEDED ]]; then
            stop_dc   # a half-dead master (not answering) is stopped first
            start_samba
        else
            provision
            start_samba
            seed
            touch "$SEEDED"
        fi
    fi
    kinit_admin
    write_env
    log "ready in $(since "$t0")"
    echo "source $ENVFILE"
}

cmd_status() {
    local pid
    if pid=$(master_pid); then
        if ldaps_ok; then
            echo "running: samba pid $pid, $(session_pids "$pid" | wc -l) children, ldaps://localhost:636 answering, dir $DIR"
            return 0
        fi
        echo "running: samba pid $pid but LDAPS not answering, dir $DIR"
        return 3
    fi
    if [[ -e $SEEDED ]]; then echo "stopped: provisioned in $DIR"
    elif [[ -e $MARK ]]; then echo "stopped: incomplete provision in $DIR (start will redo it)"
    else echo "not provisioned ($DIR)"; fi
    return 3
}

cmd_reset() {
    stop_dc
    if [[ -d $DIR ]]; then
        [[ -e $MARK || -z $(ls -A "$DIR") ]] || die "$DIR was not made by samba-dc.sh; not deleting it"
        rm -rf "$DIR"
        log "deleted $DIR"
    fi
    # The lock file too (held open by this run, which is all a later run needs): nothing stays.
    rm -f "$DIR.lock"
}

usage() {
    sed -n '2,11s/^# \{0,1\}//p' "$0"
}

with_lock() {  # serialise start/stop/reset (parallel test binaries may all call start)
    # Root first: as another user the root-owned lock file only said "Permission denied".
    [[ $(id -u) -eq 0 ]] || die "must run as root (a DC binds ports 88/389/636): sudo $0 ${1#cmd_}"
    exec 9>"$DIR.lock"
    flock -w 300 9 || die "timed out waiting for $DIR.lock"
    "$@"
}

case ${1:-} in
    start) with_lock cmd_start ;;
    stop) with_lock stop_dc ;;
    reset) with_lock cmd_reset ;;
    status) cmd_status ;;
    env)
        echo "$ENVFILE"
        [[ -f $ENVFILE ]] || { log "$ENVFILE does not exist yet: run '$0 start'"; exit 1; }
        ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
esac
