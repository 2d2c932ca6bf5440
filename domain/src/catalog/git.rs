//! Reading descriptor files out of git repositories with libgit2: a local
//! repository is read in place; a remote one is mirrored (bare) into the data
//! directory and fetched again when a refresh asks for it. Files are read from
//! the branch's commit, never from a working tree, so what Portico shows is
//! exactly what was committed.

use git2::{FetchOptions, ObjectType, Repository, TreeWalkMode, TreeWalkResult};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A fetch younger than this is reused: one refresh reads many files.
const FETCH_REUSE: Duration = Duration::from_secs(2);

/// The mirrors of remote repositories, kept under one directory.
#[derive(Debug, Clone)]
pub struct GitCheckouts {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    directory: PathBuf,
    last_fetch: Mutex<HashMap<String, Instant>>,
}

impl GitCheckouts {
    /// Mirrors live in `directory` (created when first needed).
    pub fn new(directory: PathBuf) -> Self {
        Self { inner: Arc::new(Inner { directory, last_fetch: Mutex::new(HashMap::new()) }) }
    }

    /// The bytes of `path` on `branch` (default: the repository's HEAD).
    pub async fn read(
        &self,
        repository: &str,
        branch: Option<&str>,
        path: &str,
        max_bytes: u64,
        timeout: Duration,
    ) -> Result<Vec<u8>, String> {
        let (repository, branch, path) = (repository.to_owned(), branch.map(str::to_owned), path.to_owned());
        self.run(timeout, move |this| {
            let repo = this.open(&repository)?;
            let tree = branch_tree(&repo, branch.as_deref())?;
            let entry = tree.get_path(Path::new(&path)).map_err(|_| format!("no file {path} in the repository"))?;
            let blob = entry
                .to_object(&repo)
                .ok()
                .and_then(|object| object.into_blob().ok())
                .ok_or_else(|| format!("{path} is not a file"))?;
            if blob.size() as u64 > max_bytes {
                return Err(format!(
                    "the file is {} KiB, more than the limit of {} KiB",
                    (blob.size() as u64).div_ceil(1024),
                    max_bytes / 1024
                ));
            }
            Ok(blob.content().to_vec())
        })
        .await
    }

    /// Every file path on `branch` that matches the glob `pattern`, sorted.
    pub async fn matching(
        &self,
        repository: &str,
        branch: Option<&str>,
        pattern: &str,
        timeout: Duration,
    ) -> Result<Vec<String>, String> {
        let glob = glob::Pattern::new(pattern).map_err(|err| format!("invalid pattern \"{pattern}\": {err}"))?;
        let (repository, branch) = (repository.to_owned(), branch.map(str::to_owned));
        self.run(timeout, move |this| {
            let repo = this.open(&repository)?;
            let tree = branch_tree(&repo, branch.as_deref())?;
            let mut paths = Vec::new();
            let options = glob::MatchOptions { require_literal_separator: true, ..glob::MatchOptions::new() };
            tree.walk(TreeWalkMode::PreOrder, |directory, entry| {
                if entry.kind() == Some(ObjectType::Blob) {
                    let path = format!("{directory}{}", entry.name().unwrap_or_default());
                    if glob.matches_with(&path, options) {
                        paths.push(path);
                    }
                }
                TreeWalkResult::Ok
            })
            .map_err(|err| err.message().to_owned())?;
            paths.sort();
            Ok(paths)
        })
        .await
    }

    async fn run<T: Send + 'static>(
        &self,
        timeout: Duration,
        work: impl FnOnce(&GitCheckouts) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let this = self.clone();
        let task = tokio::task::spawn_blocking(move || work(&this));
        match tokio::time::timeout(timeout, task).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err("reading the repository failed unexpectedly".to_owned()),
            Err(_) => Err(format!("the repository did not answer within {} s", timeout.as_secs())),
        }
    }

    /// Opens a local repository in place, or the up-to-date mirror of a remote one.
    fn open(&self, repository: &str) -> Result<Repository, String> {
        let local = match url::Url::parse(repository) {
            Ok(url) if url.scheme() == "file" => url.to_file_path().ok(),
            Ok(_) => None,
            Err(_) => Some(PathBuf::from(repository)),
        };
        if let Some(path) = local {
            return Repository::open(&path).map_err(|err| format!("not a git repository: {}", err.message()));
        }
        self.mirror(repository)
    }

    fn mirror(&self, remote: &str) -> Result<Repository, String> {
        let name = hex(&Sha256::digest(remote.as_bytes()))[..24].to_owned();
        let path = self.inner.directory.join(name);
        let fresh = self
            .inner
            .last_fetch
            .lock()
            .ok()
            .and_then(|fetches| fetches.get(remote).copied())
            .is_some_and(|at| at.elapsed() < FETCH_REUSE);
        let repo = if path.exists() {
            Repository::open_bare(&path).map_err(|err| err.message().to_owned())?
        } else {
            std::fs::create_dir_all(&path).map_err(|err| format!("cannot create {}: {err}", path.display()))?;
            let repo = Repository::init_bare(&path).map_err(|err| err.message().to_owned())?;
            repo.remote_with_fetch("origin", remote, "+refs/heads/*:refs/remotes/origin/*")
                .map_err(|err| err.message().to_owned())?;
            repo
        };
        if !fresh {
            let mut origin = repo.find_remote("origin").map_err(|err| err.message().to_owned())?;
            let mut options = FetchOptions::new();
            options.download_tags(git2::AutotagOption::None);
            origin
                .fetch(
                    &["+refs/heads/*:refs/remotes/origin/*", "+HEAD:refs/remotes/origin/HEAD"],
                    Some(&mut options),
                    None,
                )
                .map_err(|err| format!("cannot fetch {remote}: {}", err.message()))?;
            drop(origin);
            if let Ok(mut fetches) = self.inner.last_fetch.lock() {
                fetches.insert(remote.to_owned(), Instant::now());
            }
        }
        Ok(repo)
    }
}

/// The tree of `branch`, or of the default branch.
fn branch_tree<'r>(repo: &'r Repository, branch: Option<&str>) -> Result<git2::Tree<'r>, String> {
    let candidates: Vec<String> = match branch {
        Some(branch) => {
            vec![format!("refs/remotes/origin/{branch}"), format!("refs/heads/{branch}"), branch.to_owned()]
        }
        None => vec!["refs/remotes/origin/HEAD".to_owned(), "HEAD".to_owned()],
    };
    for name in &candidates {
        if let Ok(object) = repo.revparse_single(name) {
            if let Ok(commit) = object.peel_to_commit() {
                return commit.tree().map_err(|err| err.message().to_owned());
            }
        }
    }
    Err(match branch {
        Some(branch) => format!("no branch \"{branch}\" in the repository"),
        None => "the repository has no commits".to_owned(),
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
