//! Where descriptor files come from and how they are read: a file or a glob of
//! files, an http(s) URL, or a path (or glob) inside a git repository. Every
//! read goes through [`Reader`], which enforces the host allow-list, the size
//! limit and the timeout, so a refusal is a clear error on its location.

use super::git::GitCheckouts;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;
use url::Url;

/// How the catalog may reach out: allowed hosts, size and time limits.
#[derive(Debug, Clone)]
pub struct ReadPolicy {
    /// Hosts URL and git locations may use. `*.example.com` allows subdomains;
    /// `*` allows every host (not recommended).
    pub allowed_hosts: Vec<String>,
    /// Largest descriptor or substituted file, in bytes.
    pub max_file_bytes: u64,
    /// Longest wait for one URL or git fetch.
    pub timeout: Duration,
}

impl Default for ReadPolicy {
    fn default() -> Self {
        Self { allowed_hosts: Vec::new(), max_file_bytes: 128 * 1024 * 1024, timeout: Duration::from_secs(30) }
    }
}

impl ReadPolicy {
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.allowed_hosts.iter().any(|allowed| {
            let allowed = allowed.to_ascii_lowercase();
            allowed == "*"
                || allowed == host
                || allowed.strip_prefix("*.").is_some_and(|domain| host.ends_with(&format!(".{domain}")))
        })
    }
}

/// One readable place: a file on disk, a URL, or a file in a git repository.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Place {
    File(PathBuf),
    Url(Url),
    Git { repository: String, branch: Option<String>, path: String },
}

impl Place {
    /// How Backstage names a place in `backstage.io/managed-by-location`.
    pub fn location_ref(&self) -> String {
        match self {
            Self::File(path) => format!("file:{}", path.display()),
            Self::Url(url) => format!("url:{url}"),
            Self::Git { .. } => format!("git:{}", self.git_target()),
        }
    }

    /// A git place as a location target: `REPOSITORY#BRANCH:PATH`.
    fn git_target(&self) -> String {
        match self {
            Self::Git { repository, branch, path } => {
                format!("{repository}#{}:{path}", branch.as_deref().unwrap_or(""))
            }
            _ => String::new(),
        }
    }

    /// The place `relative` names, seen from this one (a `$text` path, a
    /// Location entity's target). Absolute URLs are taken as they are.
    pub fn join(&self, relative: &str) -> Result<Place, String> {
        if let Ok(url) = Url::parse(relative) {
            if matches!(url.scheme(), "http" | "https") {
                return Ok(Place::Url(url));
            }
        }
        match self {
            Self::File(path) => {
                let base = path.parent().unwrap_or(Path::new("/"));
                Ok(Place::File(normalize(&base.join(relative))))
            }
            Self::Url(url) => url.join(relative).map(Place::Url).map_err(|err| format!("\"{relative}\": {err}")),
            Self::Git { repository, branch, path } => {
                let base = Path::new(path).parent().unwrap_or(Path::new(""));
                let mut parts: Vec<String> = Vec::new();
                for component in base.join(relative.trim_start_matches('/')).components() {
                    match component {
                        Component::ParentDir if parts.pop().is_none() => {
                            return Err(format!("\"{relative}\" points outside the repository"));
                        }
                        Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
                        _ => {}
                    }
                }
                Ok(Place::Git { repository: repository.clone(), branch: branch.clone(), path: parts.join("/") })
            }
        }
    }

    /// Whether the place is a glob pattern rather than one file.
    pub fn is_pattern(&self) -> bool {
        let text = match self {
            Self::File(path) => path.to_string_lossy().into_owned(),
            Self::Git { path, .. } => path.clone(),
            Self::Url(_) => return false,
        };
        text.contains(['*', '?', '['])
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Url(url) => write!(f, "{url}"),
            Self::Git { .. } => f.write_str(&self.git_target()),
        }
    }
}

/// Removes `.` and `..` without touching the disk.
pub(super) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Reads places under a [`ReadPolicy`].
#[derive(Debug, Clone)]
pub struct Reader {
    policy: ReadPolicy,
    http: reqwest::Client,
    git: GitCheckouts,
}

impl Reader {
    pub fn new(policy: ReadPolicy, git: GitCheckouts) -> Self {
        let http = reqwest::Client::builder()
            .timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("portico/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self { policy, http, git }
    }

    pub fn policy(&self) -> &ReadPolicy {
        &self.policy
    }

    /// The files a place stands for: itself, or every match of its glob,
    /// sorted so documents load in a stable order.
    pub async fn expand(&self, place: &Place) -> Result<Vec<Place>, String> {
        if !place.is_pattern() {
            return Ok(vec![place.clone()]);
        }
        match place {
            Place::File(pattern) => {
                let pattern = pattern.to_string_lossy().into_owned();
                let paths = glob::glob(&pattern).map_err(|err| format!("invalid pattern \"{pattern}\": {err}"))?;
                let mut files: Vec<Place> =
                    paths.filter_map(Result::ok).filter(|path| path.is_file()).map(Place::File).collect();
                files.sort_by_key(ToString::to_string);
                Ok(files)
            }
            Place::Git { repository, branch, path } => {
                self.check_git_host(repository)?;
                let paths = self.git.matching(repository, branch.as_deref(), path, self.policy.timeout).await?;
                Ok(paths
                    .into_iter()
                    .map(|path| Place::Git { repository: repository.clone(), branch: branch.clone(), path })
                    .collect())
            }
            Place::Url(_) => Ok(vec![place.clone()]),
        }
    }

    /// The text of one file.
    pub async fn read(&self, place: &Place) -> Result<String, String> {
        let bytes = match place {
            Place::File(path) => self.read_file(path).await?,
            Place::Url(url) => self.read_url(url).await?,
            Place::Git { repository, branch, path } => {
                self.check_git_host(repository)?;
                self.git
                    .read(repository, branch.as_deref(), path, self.policy.max_file_bytes, self.policy.timeout)
                    .await?
            }
        };
        String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_owned())
    }

    async fn read_file(&self, path: &Path) -> Result<Vec<u8>, String> {
        let metadata = tokio::fs::metadata(path).await.map_err(|err| describe_io(&err))?;
        if metadata.is_dir() {
            return Err("is a directory; name a file or a pattern like dir/*/catalog-info.yaml".to_owned());
        }
        if metadata.len() > self.policy.max_file_bytes {
            return Err(too_big(metadata.len(), self.policy.max_file_bytes));
        }
        tokio::fs::read(path).await.map_err(|err| describe_io(&err))
    }

    async fn read_url(&self, url: &Url) -> Result<Vec<u8>, String> {
        self.check_url(url)?;
        let mut response = self.http.get(url.clone()).send().await.map_err(|err| describe_http(&err))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(format!("the server answered {status} (redirects are not followed; register the final URL)"));
        }
        if !status.is_success() {
            return Err(format!("the server answered {status}"));
        }
        let limit = self.policy.max_file_bytes;
        if let Some(length) = response.content_length() {
            if length > limit {
                return Err(too_big(length, limit));
            }
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|err| describe_http(&err))? {
            body.extend_from_slice(&chunk);
            if body.len() as u64 > limit {
                return Err(too_big(body.len() as u64, limit));
            }
        }
        Ok(body)
    }

    /// Refuses URLs whose scheme or host the policy does not allow.
    pub fn check_url(&self, url: &Url) -> Result<(), String> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("scheme {} is not supported; use http or https", url.scheme()));
        }
        let host = url.host_str().unwrap_or_default();
        if self.policy.allows_host(host) {
            Ok(())
        } else {
            Err(format!("host {host} is not in the allowed hosts; add it to [catalog] allowed_hosts in portico.toml"))
        }
    }

    fn check_git_host(&self, repository: &str) -> Result<(), String> {
        match Url::parse(repository) {
            Ok(url) if url.scheme() == "file" => Ok(()),
            Ok(url) if matches!(url.scheme(), "http" | "https" | "ssh" | "git") => {
                let host = url.host_str().unwrap_or_default();
                if self.policy.allows_host(host) {
                    Ok(())
                } else {
                    Err(format!(
                        "host {host} is not in the allowed hosts; add it to [catalog] allowed_hosts in portico.toml"
                    ))
                }
            }
            Ok(url) => Err(format!("scheme {} is not supported for git", url.scheme())),
            // A local path to a repository.
            Err(_) => Ok(()),
        }
    }
}

fn too_big(size: u64, limit: u64) -> String {
    format!("the file is {} KiB, more than the limit of {} KiB", size.div_ceil(1024), limit / 1024)
}

fn describe_io(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => err.to_string(),
    }
}

fn describe_http(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else {
        let mut text = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            text = format!("{text}: {inner}");
            source = inner.source();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn relative_places_resolve_against_their_file() {
        let file = Place::File(PathBuf::from("/repo/services/a/catalog-info.yaml"));
        assert_eq!(file.join("../b/api.yaml").unwrap(), Place::File(PathBuf::from("/repo/services/b/api.yaml")));
        assert_eq!(file.join("./openapi.yaml").unwrap(), Place::File(PathBuf::from("/repo/services/a/openapi.yaml")));
        let url = Place::Url(Url::parse("https://git.example.com/org/repo/raw/main/catalog-info.yaml").unwrap());
        assert_eq!(
            url.join("docs/api.yaml").unwrap().to_string(),
            "https://git.example.com/org/repo/raw/main/docs/api.yaml"
        );
        let git = Place::Git { repository: "/r".into(), branch: Some("main".into()), path: "a/b.yaml".into() };
        assert_eq!(git.join("c.yaml").unwrap().to_string(), "/r#main:a/c.yaml");
        assert!(git.join("../../x").is_err());
    }

    #[test]
    fn hosts_are_allowed_only_when_listed() {
        let policy = ReadPolicy {
            allowed_hosts: vec!["git.example.com".into(), "*.corp.example".into()],
            ..ReadPolicy::default()
        };
        assert!(policy.allows_host("git.example.com"));
        assert!(policy.allows_host("raw.corp.example"));
        assert!(!policy.allows_host("corp.example.evil"));
        assert!(!policy.allows_host("169.254.169.254"));
    }
}
