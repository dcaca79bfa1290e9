//! Naming patterns and Automatch: pairing photo files with directory users. Pure code.
