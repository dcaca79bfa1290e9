//! The photo core: bytes in, a JPEG that fits the byte budget out. No file, LDAP or UI work here.
