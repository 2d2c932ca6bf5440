//! Registered locations as the API names them (`{type, target}`): parsing a
//! target into a readable [`Place`], and the Location entity Backstage
//! generates for every registered location.

use super::source::{normalize, Place};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};

/// The location types Portico reads.
pub const LOCATION_TYPES: &[&str] = &["file", "url", "git"];

/// Reads `type` and `target` into a place. Relative file paths are taken
/// from `base_dir` (the working directory at start-up).
pub fn parse_target(kind: &str, target: &str, base_dir: &Path) -> Result<Place, String> {
    let target = target.trim();
    if target.is_empty() {
        return Err("target must not be empty".to_owned());
    }
    match kind {
        "file" => {
            let path = target.strip_prefix("file://").unwrap_or(target);
            let path = PathBuf::from(path);
            let absolute = if path.is_absolute() { path } else { base_dir.join(path) };
            Ok(Place::File(normalize(&absolute)))
        }
        "url" => {
            let url = url::Url::parse(target).map_err(|err| format!("\"{target}\" is not a URL: {err}"))?;
            if matches!(url.scheme(), "http" | "https") {
                Ok(Place::Url(url))
            } else {
                Err(format!("\"{target}\" must be an http or https URL (use type file for paths)"))
            }
        }
        "git" => parse_git_target(target),
        other => Err(format!("unknown location type \"{other}\"; use one of {}", LOCATION_TYPES.join(", "))),
    }
}

/// `REPOSITORY[#BRANCH][:PATH]`, where the part after `#` names the branch
/// and the path inside the repository (default `catalog-info.yaml`), e.g.
/// `https://git.example.com/shop.git#main:services/*/catalog-info.yaml`.
pub fn parse_git_target(target: &str) -> Result<Place, String> {
    let (repository, rest) = match target.rsplit_once('#') {
        Some((repository, rest)) => (repository, rest),
        None => (target, ""),
    };
    if repository.is_empty() {
        return Err("a git target names a repository: REPOSITORY#BRANCH:PATH".to_owned());
    }
    let (branch, path) = match rest.split_once(':') {
        Some((branch, path)) => (branch, path),
        None => (rest, ""),
    };
    let path = path.trim_start_matches('/');
    let path = if path.is_empty() { "catalog-info.yaml" } else { path };
    if path.split('/').any(|part| part == "..") {
        return Err(format!("path \"{path}\" must stay inside the repository"));
    }
    Ok(Place::Git {
        repository: repository.to_owned(),
        branch: (!branch.is_empty()).then(|| branch.to_owned()),
        path: path.to_owned(),
    })
}

/// The target as stored: files absolute, the rest as given.
pub fn stored_target(place: &Place) -> String {
    place.to_string()
}

/// The Location entity Backstage makes for a registered location:
/// `location:default/generated-<sha1 of "type:target">`.
pub fn generated_location_entity(kind: &str, target: &str) -> Value {
    let reference = format!("{kind}:{target}");
    let digest = Sha1::digest(reference.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Location",
        "metadata": {
            "name": format!("generated-{hex}"),
            "namespace": "default",
            "annotations": {
                super::harvest::LOCATION_ANNOTATION: reference,
                super::harvest::ORIGIN_LOCATION_ANNOTATION: reference,
            },
        },
        "spec": { "type": kind, "target": target, "presence": "required" },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn targets_parse_per_type() {
        let base = Path::new("/srv/portico");
        assert_eq!(
            parse_target("file", "./catalog/../catalog/all.yaml", base).unwrap(),
            Place::File("/srv/portico/catalog/all.yaml".into())
        );
        assert!(parse_target("url", "ftp://x/y", base).is_err());
        assert!(parse_target("svn", "x", base).unwrap_err().contains("unknown location type"));
        assert_eq!(
            parse_target("git", "https://git.example.com/shop.git#main:services/*/catalog-info.yaml", base).unwrap(),
            Place::Git {
                repository: "https://git.example.com/shop.git".into(),
                branch: Some("main".into()),
                path: "services/*/catalog-info.yaml".into()
            }
        );
        assert_eq!(
            parse_target("git", "/repos/shop", base).unwrap(),
            Place::Git { repository: "/repos/shop".into(), branch: None, path: "catalog-info.yaml".into() }
        );
        assert!(parse_git_target("/r#main:../etc/passwd").is_err());
    }

    #[test]
    fn generated_location_names_match_backstage() {
        let entity = generated_location_entity("url", "https://example.com/catalog-info.yaml");
        let name = entity["metadata"]["name"].as_str().unwrap();
        assert!(name.starts_with("generated-") && name.len() == "generated-".len() + 40, "{name}");
    }
}
