//! Who is who: an AD user's `onPremisesImmutableId` in Entra ID.
//!
//! Entra Connect's source anchor is the base64 of the objectGUID's 16 bytes as AD stores them
//! (the first three groups little-endian, as .NET's `Guid.ToByteArray` gives them), or of
//! `ms-DS-ConsistencyGuid` where that is the anchor (it starts as a copy of the objectGUID).

use base64::Engine as _;

use crate::directory::User;

/// The 16 bytes as AD stores them, from the text form [`crate::directory::format_guid`] gives
/// (`01234567-89ab-cdef-0011-223344556677`, braces and case allowed); `None` if not a GUID.
pub fn guid_bytes(text: &str) -> Option<[u8; 16]> {
    let t = text.trim().trim_start_matches('{').trim_end_matches('}');
    let groups: Vec<&str> = t.split('-').collect();
    let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
    if lens != [8, 4, 4, 4, 12] {
        return None;
    }
    let raw = hex::decode(groups.concat()).ok()?;
    let raw: [u8; 16] = raw.try_into().ok()?;
    let mut b = raw;
    // Data1 (4 bytes), Data2 and Data3 (2 bytes each) are little-endian in AD; the rest as written.
    b[..4].reverse();
    b[4..6].reverse();
    b[6..8].reverse();
    Some(b)
}

/// The `onPremisesImmutableId` Entra Connect gives a user with this objectGUID (text form).
pub fn immutable_id_from_guid(text: &str) -> Option<String> {
    guid_bytes(text).map(|b| base64::engine::general_purpose::STANDARD.encode(b))
}

/// The user's immutable id: from `ms-DS-ConsistencyGuid` when the directory gave it in the GUID
/// text form, else from the objectGUID.
pub fn immutable_id(user: &User) -> Option<String> {
    user.attr(crate::directory::CONSISTENCY_GUID)
        .and_then(immutable_id_from_guid)
        .or_else(|| user.object_guid.as_deref().and_then(immutable_id_from_guid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::format_guid;

    #[test]
    fn objectguid_to_immutable_id() {
        // Bytes as AD stores {01234567-89ab-cdef-0011-223344556677} (as in directory::ldap's test).
        let stored: [u8; 16] = hex::decode("67452301ab89efcd0011223344556677")
            .unwrap()
            .try_into()
            .unwrap();
        let text = format_guid(&stored).unwrap();
        assert_eq!(guid_bytes(&text), Some(stored));
        // base64 of those 16 bytes, computed by hand: 67452301 ab89efcd 00112233 44556677.
        assert_eq!(
            immutable_id_from_guid(&text).as_deref(),
            Some("Z0UjAauJ780AESIzRFVmdw==")
        );
        assert_eq!(
            immutable_id_from_guid("{01234567-89AB-CDEF-0011-223344556677}").as_deref(),
            Some("Z0UjAauJ780AESIzRFVmdw==")
        );
        for bad in [
            "",
            "01234567",
            "0123456789abcdef0011223344556677",
            "zz234567-89ab-cdef-0011-223344556677",
        ] {
            assert_eq!(immutable_id_from_guid(bad), None, "{bad}");
        }
    }

    #[test]
    fn consistency_guid_wins_over_objectguid() {
        let mut u = User {
            object_guid: Some("01234567-89ab-cdef-0011-223344556677".into()),
            ..Default::default()
        };
        assert_eq!(
            immutable_id(&u).as_deref(),
            Some("Z0UjAauJ780AESIzRFVmdw==")
        );
        u.set_attr(
            "mS-DS-ConsistencyGuid",
            "00000000-0000-0000-0000-000000000001".into(),
        );
        assert_eq!(
            immutable_id(&u).as_deref(),
            Some("AAAAAAAAAAAAAAAAAAAAAQ==")
        );
    }
}
