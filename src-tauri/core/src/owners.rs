//! Which process a run belongs to, and whether that process has ended.
//!
//! Every process that opens a data dir (the app, each CLI command, a test) holds an exclusive OS file lock
//! on `owners/<token>.lock` inside it for as long as its store is open, and records its token in the runs
//! it starts or resumes. The OS releases that lock when the process ends, however it ends (exit, crash,
//! `kill -9`), so another process can tell a run whose process is gone from one whose process is alive but
//! has not written its heartbeat lately — because the machine slept, for one: after a wake every
//! heartbeat looks old until its process's next tick, and a CLI command run in that moment used to mark
//! the app's live runs interrupted.
//!
//! Locks are `flock(2)` on Linux and macOS and `LockFileEx` on Windows (`std::fs::File::try_lock`).

use std::fs::{File, OpenOptions};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Folder of the lock files inside the data dir.
pub const OWNERS_DIR: &str = "owners";

/// This process's lock on the data dir, released (and its file removed) when dropped.
#[derive(Debug)]
pub struct OwnerLock {
    token: String,
    dir: PathBuf,
    /// Held open for the lock's sake: closing it releases the lock.
    file: File,
}

/// What [`OwnerLock::owner_state`] found about a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerState {
    /// This process.
    This,
    /// Another process that still holds its lock.
    Alive,
    /// Its lock is free or its file is gone: the process has ended.
    Gone,
    /// Not a token of this scheme, or the lock file cannot be opened: only the heartbeat can tell.
    Unknown,
}

impl OwnerLock {
    /// Takes a new lock in `<data_dir>/owners/`. The file is created and locked under a temporary name
    /// and then renamed, so that no other process ever finds an unlocked `.lock` file of a live process.
    ///
    /// # Errors
    /// The I/O error when the folder or file cannot be created, locked or renamed (a read-only data dir).
    pub fn acquire(data_dir: &Path) -> std::io::Result<Self> {
        let dir = data_dir.join(OWNERS_DIR);
        std::fs::create_dir_all(&dir)?;
        let token = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
        let pending = dir.join(format!("{token}.new"));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&pending)?;
        let locked = file
            .try_lock()
            .map_err(std::io::Error::from)
            .and_then(|()| std::fs::rename(&pending, dir.join(format!("{token}.lock"))));
        if let Err(error) = locked {
            let _ = std::fs::remove_file(&pending);
            return Err(error);
        }
        Ok(Self { token, dir, file })
    }

    /// This process's token, as recorded in its runs' `owner` column.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Whether the process with `token` is this one, alive or gone. A token that is not made of the
    /// characters [`OwnerLock::acquire`] uses is [`OwnerState::Unknown`] and never becomes a path.
    pub fn owner_state(&self, token: &str) -> OwnerState {
        if token == self.token {
            return OwnerState::This;
        }
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return OwnerState::Unknown;
        }
        lock_state(&self.dir.join(format!("{token}.lock")))
    }

    /// Removes the lock files of processes that have ended (a crash or kill leaves its file behind).
    /// Best effort: a file that cannot be checked or removed stays until the next try.
    pub fn remove_ended(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let ours = path
                .file_stem()
                .is_some_and(|stem| stem == self.token.as_str());
            if ours || path.extension().is_none_or(|ext| ext != "lock") {
                continue;
            }
            // Removed while holding its lock, so that no other sweeper takes the file for a live one's.
            if let Ok(file) = OpenOptions::new().read(true).open(&path) {
                if file.try_lock().is_ok() {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
    }
}

fn lock_state(path: &Path) -> OwnerState {
    match OpenOptions::new().read(true).open(path) {
        Ok(file) => match file.try_lock() {
            Ok(()) => OwnerState::Gone,
            Err(std::fs::TryLockError::WouldBlock) => OwnerState::Alive,
            Err(std::fs::TryLockError::Error(_)) => OwnerState::Unknown,
        },
        Err(error) if error.kind() == ErrorKind::NotFound => OwnerState::Gone,
        Err(_) => OwnerState::Unknown,
    }
}

impl Drop for OwnerLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
        let _ = std::fs::remove_file(self.dir.join(format!("{}.lock", self.token)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_this_alive_and_gone_owners_apart() {
        let dir = tempfile::tempdir().unwrap();
        let this = OwnerLock::acquire(dir.path()).unwrap();
        let other = OwnerLock::acquire(dir.path()).unwrap();
        let other_token = other.token().to_owned();
        assert_eq!(this.owner_state(this.token()), OwnerState::This);
        assert_eq!(this.owner_state(&other_token), OwnerState::Alive);
        drop(other);
        assert_eq!(this.owner_state(&other_token), OwnerState::Gone);
        assert_eq!(this.owner_state("../patchbay"), OwnerState::Unknown);
        assert_eq!(this.owner_state(""), OwnerState::Unknown);
    }

    #[test]
    fn removes_only_the_files_of_ended_processes() {
        let dir = tempfile::tempdir().unwrap();
        let this = OwnerLock::acquire(dir.path()).unwrap();
        let alive = OwnerLock::acquire(dir.path()).unwrap();
        // A crashed process's file: present, nobody holds its lock.
        let crashed = dir
            .path()
            .join(OWNERS_DIR)
            .join("4242-00000000000000ff.lock");
        File::create(&crashed).unwrap();
        assert_eq!(this.owner_state("4242-00000000000000ff"), OwnerState::Gone);
        this.remove_ended();
        assert!(!crashed.exists());
        let alive_file = dir
            .path()
            .join(OWNERS_DIR)
            .join(format!("{}.lock", alive.token()));
        assert!(alive_file.exists());
        assert_eq!(this.owner_state(alive.token()), OwnerState::Alive);
        drop(alive);
        assert!(!alive_file.exists(), "a clean exit removes its own file");
    }
}
