#!/usr/bin/env bash
# Checks the test DC started by tests/ad/samba-dc.sh with the OpenLDAP command-line tools:
# transport security, Kerberos, the helpdesk ACL, the thumbnailPhoto size limit, paging and the seed data.
# Leaves the directory as it found it (every write is undone). Prints "N passed, N failed" last.
#   tests/ad/verify.sh            (the DC must be running: tests/ad/samba-dc.sh start)
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ENVFILE=$("$HERE/samba-dc.sh" env) || { echo "no DC: run $HERE/samba-dc.sh start" >&2; exit 1; }
# shellcheck disable=SC1090
source "$ENVFILE"
export LDAPTLS_CACERT=$ADPHOTO_TEST_CA LDAPTLS_REQCERT=demand
B=$ADPHOTO_TEST_BASE
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

pass=0 fail=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$*"; }
ko() { fail=$((fail + 1)); printf 'FAIL %s\n' "$*"; }
check() {  # check NAME EXPECTED ACTUAL
    if [[ "$2" == "$3" ]]; then ok "$1"; else ko "$1: expected [$2], got [$3]"; fi
}

URL=$ADPHOTO_TEST_LDAPS_URL
admin() { local t=$1; shift; "$t" -x -H "$URL" -D "$ADPHOTO_TEST_ADMIN" -w "$ADPHOTO_TEST_PASSWORD" "$@"; }
helpdesk() { local t=$1; shift; "$t" -x -H "$URL" -D "$ADPHOTO_TEST_HELPDESK_USER" -w "$ADPHOTO_TEST_HELPDESK_PASSWORD" "$@"; }
count() { admin ldapsearch -o ldif_wrap=no -LLL "$@" dn 2>/dev/null | grep -c '^dn:'; }
dn_of() {  # DN of a sAMAccountName, decoded when ldapsearch printed it base64 ("dn:: ")
    local line
    line=$(admin ldapsearch -o ldif_wrap=no -LLL -b "$B" "(sAMAccountName=$1)" dn | grep -m1 '^dn:')
    case $line in
        'dn:: '*) printf '%s' "${line#dn:: }" | base64 -d ;;
        *) printf '%s' "${line#dn: }" ;;
    esac
}
set_photo() {  # set_photo TOOL DN FILE -> ldapmodify exit code
    local t=$1 dn=$2 f=$3
    printf 'dn: %s\nchangetype: modify\nreplace: thumbnailPhoto\nthumbnailPhoto:< file://%s\n' "$dn" "$f" \
        | $t ldapmodify >"$TMP/out" 2>&1
}
del_photo() {
    printf 'dn: %s\nchangetype: modify\ndelete: thumbnailPhoto\n' "$2" | $1 ldapmodify >"$TMP/out" 2>&1
}
get_photo() { admin ldapsearch -o ldif_wrap=no -LLL -b "$1" -s base thumbnailPhoto | sed -n 's/^thumbnailPhoto:: //p' | base64 -d; }

# --- transport security
URL=ldap://localhost:389 admin ldapsearch -b "$B" -s base dn >"$TMP/out" 2>&1; rc=$?
check "simple bind on plain ldap:// refused with strongerAuthRequired (8)" 8 "$rc"
admin ldapsearch -LLL -b "$B" -s base dn >/dev/null 2>&1; check "simple bind over LDAPS, CA verified" 0 $?
URL=$ADPHOTO_TEST_STARTTLS_URL admin ldapsearch -ZZ -LLL -b "$B" -s base dn >/dev/null 2>&1
check "simple bind after StartTLS (-ZZ), CA verified" 0 $?
LDAPTLS_CACERT=/etc/ssl/certs/ca-certificates.crt admin ldapsearch -LLL -b "$B" -s base dn >/dev/null 2>&1
check "LDAPS refused when the test CA is not trusted" 255 $?
for h in localhost "$(hostname)"; do
    URL="ldaps://$h" admin ldapsearch -LLL -b "$B" -s base dn >/dev/null 2>&1
    check "certificate valid for ldaps://$h" 0 $?
done
URL="ldaps://127.0.0.1" admin ldapsearch -LLL -b "$B" -s base dn >/dev/null 2>&1
check "certificate NOT valid for ldaps://127.0.0.1 (the name-mismatch case)" 255 $?
admin ldapsearch -w wrong -LLL -b "$B" -s base dn >/dev/null 2>&1; check "wrong password: invalidCredentials (49)" 49 $?

# --- Kerberos
if [[ -e /usr/lib/x86_64-linux-gnu/sasl2/libgssapiv2.so ]] || compgen -G '/usr/lib/*/sasl2/libgssapiv2.so*' >/dev/null; then
    for h in localhost "$(hostname)"; do
        ldapsearch -N -Q -Y GSSAPI -H "ldap://$h" -LLL -b "$B" -s base dn >/dev/null 2>&1
        check "GSSAPI bind to ldap://$h (KRB5CCNAME=$KRB5CCNAME)" 0 $?
    done
else
    echo "skip GSSAPI (libsasl2-modules-gssapi-mit not installed)"
fi

# --- seed data
check "users under OU=Staff ((objectCategory=person)(objectClass=user))" 28 \
    "$(count -b "$ADPHOTO_TEST_STAFF_OU" '(&(objectCategory=person)(objectClass=user))')"
check "(objectClass=user) alone also matches the computer" 29 "$(count -b "$ADPHOTO_TEST_STAFF_OU" '(objectClass=user)')"
check "(objectCategory=person) alone also matches the contact" 29 "$(count -b "$ADPHOTO_TEST_STAFF_OU" '(objectCategory=person)')"
check "seeded users in OU=Contractors" 2 "$(count -b "OU=Contractors,$B" '(sAMAccountType=805306368)')"
check "two John Doe" 2 "$(count -b "$B" '(&(givenName=John)(sn=Doe)(sAMAccountType=805306368))')"
check "seeded photos present (amueller cdubois lwisniewski pquinn)" 4 \
    "$(count -b "$B" '(&(thumbnailPhoto=*)(|(sAMAccountName=amueller)(sAMAccountName=cdubois)(sAMAccountName=lwisniewski)(sAMAccountName=pquinn)))')"
check "search by UTF-8 sn (Müller)" 1 "$(count -b "$B" '(&(sAMAccountType=805306368)(sn=Müller))')"

# --- paging over the big OU
admin ldapsearch -o ldif_wrap=no -E pr=1000/noprompt -b "$ADPHOTO_TEST_BIG_OU" '(sAMAccountType=805306368)' sAMAccountName \
    >"$TMP/big" 2>&1
check "paged search (pr=1000) over $ADPHOTO_TEST_BIG_OU" "$ADPHOTO_TEST_BIG_COUNT" "$(grep -c '^dn:' "$TMP/big")"
check "  ... in 3 pages" 3 "$(grep -c '^# search result' "$TMP/big" || true)"

# --- thumbnailPhoto size limit (as Administrator, on mrossi who has no photo)
MROSSI=$(dn_of mrossi)
head -c 102400 /dev/urandom >"$TMP/p100k"; head -c 102401 /dev/urandom >"$TMP/p100k1"
set_photo admin "$MROSSI" "$TMP/p100k"; check "thumbnailPhoto of 102,400 bytes accepted" 0 $?
get_photo "$MROSSI" >"$TMP/back"; cmp -s "$TMP/p100k" "$TMP/back"; check "  ... read back byte-identical" 0 $?
set_photo admin "$MROSSI" "$TMP/p100k1"; rc=$?
check "thumbnailPhoto of 102,401 bytes refused (Samba: invalidAttributeSyntax 21)" 21 "$rc"
get_photo "$MROSSI" >"$TMP/back"; cmp -s "$TMP/p100k" "$TMP/back"; check "  ... old value kept" 0 $?
del_photo admin "$MROSSI"; check "  ... photo deleted again" 0 $?

# --- least-privilege helpdesk account
convert -size 96x96 gradient:navy-orange -strip jpeg:"$TMP/small.jpg" 2>/dev/null || head -c 2000 /dev/urandom >"$TMP/small.jpg"
helpdesk ldapsearch -LLL -b "$B" -s base dn >/dev/null 2>&1; check "helpdesk binds over LDAPS" 0 $?
for u in mrossi jgarcia ojonsson; do
    d=$(dn_of $u)
    set_photo helpdesk "$d" "$TMP/small.jpg"; check "helpdesk writes thumbnailPhoto of $u (under OU=Staff)" 0 $?
    del_photo helpdesk "$d"; check "helpdesk deletes thumbnailPhoto of $u" 0 $?
done
for u in pquinn Administrator big0001; do
    d=$(dn_of $u)
    set_photo helpdesk "$d" "$TMP/small.jpg"; rc=$?
    check "helpdesk refused thumbnailPhoto of $u (outside OU=Staff): insufficientAccessRights (50)" 50 "$rc"
done
printf 'dn: %s\nchangetype: modify\nreplace: title\ntitle: hacked\n' "$MROSSI" | helpdesk ldapmodify >/dev/null 2>&1
check "helpdesk refused another attribute (title) under OU=Staff (50)" 50 $?
check "pquinn still has the seeded photo" 1 "$(count -b "$B" '(&(sAMAccountName=pquinn)(thumbnailPhoto=*))')"

echo
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
