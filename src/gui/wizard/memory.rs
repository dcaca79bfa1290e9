//! What the import wizard remembers per connection profile: the last folder, pattern or
//! mapping file, and size. Different sites name their photo folders differently; a helpdesk
//! technician working for two of them should not retype either.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::photo::Preset;

/// One profile's last import choices.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportMemory {
    pub folder: Option<PathBuf>,
    pub recursive: bool,
    pub pattern: Option<String>,
    pub map: Option<PathBuf>,
    /// `None`: a custom size (its pixels and budget below).
    pub preset: Option<Preset>,
    pub custom: Option<(u32, u32)>,
}

/// Every profile's memory; the key is the profile's name ("" when connected without one).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ImportMemories(pub BTreeMap<String, ImportMemory>);

impl ImportMemories {
    pub fn get(&self, profile: Option<&str>) -> Option<&ImportMemory> {
        self.0.get(profile.unwrap_or(""))
    }

    pub fn set(&mut self, profile: Option<&str>, memory: ImportMemory) {
        self.0.insert(profile.unwrap_or("").to_string(), memory);
    }
}
