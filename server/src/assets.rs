//! Finding and serving the built web assets (wasm, JS, CSS, favicon).
//!
//! `cargo leptos build` writes them to a `site/` directory and, with hashed
//! file names, a `hash.txt` beside the binary. A release is therefore the
//! binary, `hash.txt` and `site/`, copied together; the server looks for
//! `site/` next to itself so that it runs from wherever it is copied.

use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::Router;
use std::path::{Path, PathBuf};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// Where the assets are and what the stylesheet is called.
#[derive(Debug, Clone)]
pub struct SiteAssets {
    pub root: PathBuf,
    /// Whether file names carry content hashes (so they can be cached forever).
    pub hashed: bool,
    pub css_href: String,
}

impl SiteAssets {
    /// Locates the site directory and reads the hash file next to the binary.
    pub fn locate(configured: Option<&Path>) -> Self {
        let exe_dir = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf));
        let root = find_site_dir(configured, exe_dir.as_deref());
        let hashes = exe_dir.map(|dir| dir.join("hash.txt")).and_then(|path| std::fs::read_to_string(path).ok());
        Self::from_parts(root, hashes.as_deref())
    }

    /// Builds the asset description from a site root and the hash file's text.
    pub fn from_parts(root: PathBuf, hash_file: Option<&str>) -> Self {
        let css_hash = hash_file.and_then(|text| {
            text.lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(file, _)| file.trim() == "css")
                .map(|(_, hash)| hash.trim().to_owned())
        });
        let css_href = match &css_hash {
            Some(hash) => format!("/pkg/portico.{hash}.css"),
            None => "/pkg/portico.css".to_owned(),
        };
        Self { root, hashed: hash_file.is_some(), css_href }
    }

    /// Serves `site/pkg`: precompressed `.br`/`.gz` files when the build made
    /// them, and cache headers that let browsers keep hashed files for a year.
    pub fn pkg_router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let cache_control = if self.hashed {
            HeaderValue::from_static("public, max-age=31536000, immutable")
        } else {
            HeaderValue::from_static("no-cache")
        };
        let only_on_success =
            move |response: &Response<_>| response.status().is_success().then(|| cache_control.clone());
        Router::new()
            .fallback_service(ServeDir::new(self.root.join("pkg")).precompressed_br().precompressed_gzip())
            .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, only_on_success))
    }
}

fn find_site_dir(configured: Option<&Path>, exe_dir: Option<&Path>) -> PathBuf {
    if let Some(dir) = configured {
        return dir.to_path_buf();
    }
    let mut candidates = Vec::new();
    if let Ok(dir) = std::env::var("LEPTOS_SITE_ROOT") {
        candidates.push(PathBuf::from(dir));
    }
    if let Some(exe_dir) = exe_dir {
        candidates.push(exe_dir.join("site"));
        if let Some(parent) = exe_dir.parent() {
            candidates.push(parent.join("site"));
        }
    }
    candidates.push(PathBuf::from("target/site"));
    candidates.iter().find(|dir| dir.join("pkg").is_dir()).cloned().unwrap_or_else(|| PathBuf::from("target/site"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_builds_name_the_stylesheet_by_its_hash() {
        let assets = SiteAssets::from_parts(PathBuf::from("site"), Some("js: abc\nwasm: def\ncss: 0123\n"));
        assert!(assets.hashed);
        assert_eq!(assets.css_href, "/pkg/portico.0123.css");
    }

    #[test]
    fn unhashed_builds_use_the_plain_name() {
        let assets = SiteAssets::from_parts(PathBuf::from("site"), None);
        assert!(!assets.hashed);
        assert_eq!(assets.css_href, "/pkg/portico.css");
    }

    #[test]
    fn a_configured_site_dir_wins() {
        assert_eq!(find_site_dir(Some(Path::new("/srv/site")), None), PathBuf::from("/srv/site"));
    }

    #[test]
    fn the_site_dir_next_to_the_binary_is_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("site/pkg")).unwrap();
        std::fs::create_dir_all(dir.path().join("release")).unwrap();
        // target/release/portico finds target/site, as cargo-leptos lays them out.
        let found = find_site_dir(None, Some(&dir.path().join("release")));
        assert_eq!(found, dir.path().join("site"));
    }

    async fn fetch(router: Router, path: &str, accept_encoding: &str) -> Response {
        use tower::ServiceExt;
        let request = http::Request::get(path)
            .header(header::ACCEPT_ENCODING, accept_encoding)
            .body(axum::body::Body::empty())
            .unwrap();
        router.oneshot(request).await.unwrap()
    }

    fn site_with_assets() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pkg")).unwrap();
        std::fs::write(dir.path().join("pkg/portico.0123.css"), "body{}").unwrap();
        std::fs::write(dir.path().join("pkg/portico.0123.css.br"), "brotli-bytes").unwrap();
        dir
    }

    #[tokio::test]
    async fn hashed_assets_are_cached_for_a_year_and_served_precompressed() {
        let site = site_with_assets();
        let assets = SiteAssets::from_parts(site.path().to_path_buf(), Some("css: 0123"));
        let router: Router = Router::new().nest("/pkg", assets.pkg_router());
        let response = fetch(router.clone(), "/pkg/portico.0123.css", "br").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "br");
        let missing = fetch(router, "/pkg/portico.missing.css", "br").await;
        assert_eq!(missing.status(), 404);
        assert!(missing.headers().get(header::CACHE_CONTROL).is_none(), "a 404 must not be cached forever");
    }

    #[tokio::test]
    async fn unhashed_assets_are_revalidated() {
        let site = site_with_assets();
        let assets = SiteAssets::from_parts(site.path().to_path_buf(), None);
        let router: Router = Router::new().nest("/pkg", assets.pkg_router());
        let response = fetch(router, "/pkg/portico.0123.css", "identity").await;
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-cache");
        assert!(response.headers().get(header::CONTENT_ENCODING).is_none());
    }
}
