//! Storage in memory.

use super::{Space, Storage, StorageError, Write};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Every record, by space and key.
type Records = BTreeMap<(Space, Vec<u8>), Vec<u8>>;

/// Records in a map in memory: lost with the process. Batches are atomic.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    map: Mutex<Records>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, Records> {
        // A panic while holding the lock cannot leave a half-applied batch
        // (the map is changed only after a batch is complete), so a
        // poisoned lock is still consistent.
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Storage for MemoryStorage {
    fn get(&self, space: Space, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.map().get(&(space, key.to_vec())).cloned())
    }

    fn keys(&self, space: Space) -> Result<Vec<Vec<u8>>, StorageError> {
        Ok(self
            .map()
            .keys()
            .filter(|(s, _)| *s == space)
            .map(|(_, k)| k.clone())
            .collect())
    }

    fn apply(&self, batch: &[Write]) -> Result<(), StorageError> {
        let mut map = self.map();
        for w in batch {
            match w {
                Write::Put { space, key, value } => {
                    map.insert((*space, key.clone()), value.clone());
                }
                Write::Delete { space, key } => {
                    map.remove(&(*space, key.clone()));
                }
            }
        }
        Ok(())
    }
}
