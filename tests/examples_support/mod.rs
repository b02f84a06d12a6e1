//! Helpers shared by the tests that run the example studies from a copy (the assign
//! stage writes beside the spec, so examples never run inside the repository).

use std::path::Path;

/// Copies the folder `from` (an example under specs/) to `to`, recursively.
#[allow(dead_code)]
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Copies an example's plan locks (`*.lock`, which its specs' `evidence.lock` name)
/// from `from` to `to`, for tests that copy a spec and its data but not the whole
/// folder.
#[allow(dead_code)]
pub fn copy_locks(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "lock") {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}
