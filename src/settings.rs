//! Profiles and preferences in the platform's config dir. Never passwords.
