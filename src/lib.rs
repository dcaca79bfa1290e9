//! adphoto: put employee photos into Active Directory.
//!
//! One engine, two faces: the `gui` and the `cli` only build plans and watch jobs; the
//! work lives in `photo` (bytes in, JPEG out), `matching` (files to users), `directory`
//! (LDAP and the offline LDIF directory), `import` (plan, job, journal, undo), `data_folder`
//! (backups, journals, offline change files, write locks; private to the user), `settings`
//! (connection profiles) and `clock` (times stored and shown). `main.rs` chooses the face.
//!
//! ARCHITECTURE.md at the repository root is the map: who may import whom, the journey of one
//! photo from a file to the LDAP write, the worker protocol.

pub mod cli;
// The engine documents what it offers: every public item says what it is for.
#[warn(missing_docs)]
pub mod clock;
#[warn(missing_docs)]
pub mod cloud;
pub mod console;
#[warn(missing_docs)]
pub mod data_folder;
#[warn(missing_docs)]
pub mod directory;
pub mod gui;
pub mod icon;
#[warn(missing_docs)]
pub mod import;
#[warn(missing_docs)]
pub mod matching;
#[warn(missing_docs)]
pub mod photo;
#[warn(missing_docs)]
pub mod settings;
