//! adphoto: put employee photos into Active Directory.
//!
//! One engine, two faces: the `gui` and the `cli` only build plans and watch jobs; the
//! work lives in `photo` (bytes in, JPEG out), `matching` (files to users), `directory`
//! (LDAP and the offline LDIF directory), `import` (plan, job, journal, undo), `data_folder`
//! (backups, journals, offline change files, write locks; private to the user) and `settings`.
//!
//! ARCHITECTURE.md at the repository root is the map: who may import whom, the journey of one
//! photo from a file to the LDAP write, the worker protocol.

pub mod cli;
pub mod clock;
pub mod cloud;
pub mod console;
pub mod data_folder;
pub mod directory;
pub mod gui;
pub mod icon;
pub mod import;
pub mod matching;
pub mod photo;
pub mod settings;
