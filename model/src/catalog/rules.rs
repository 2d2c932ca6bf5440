//! The field-format rules of Backstage's descriptor format (the Kubernetes
//! naming rules it adopted): entity names, namespaces, kinds, apiVersions,
//! label and annotation keys and values, and tags. Each check returns the
//! reason a value is refused, ready to be shown next to the field.

/// `metadata.name`: 1-63 characters of `[A-Za-z0-9]`, separated by single
/// or repeated `-`, `_` or `.`, starting and ending with a letter or digit.
pub fn check_name(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 63 {
        return Err(format!("\"{value}\" must be 1 to 63 characters long"));
    }
    let alphanumeric = |c: char| c.is_ascii_alphanumeric();
    let starts_and_ends = value.starts_with(alphanumeric) && value.ends_with(alphanumeric);
    if !starts_and_ends || !value.chars().all(|c| alphanumeric(c) || "-_.".contains(c)) {
        return Err(format!(
            "\"{value}\" must be letters and digits, separated by '-', '_' or '.', starting and ending with a letter or digit"
        ));
    }
    Ok(())
}

/// A DNS label (RFC 1123): 1-63 characters, groups of `[a-z0-9]` joined by single `-`.
pub fn is_dns_label(value: &str) -> bool {
    let group_ok =
        |group: &str| !group.is_empty() && group.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    !value.is_empty() && value.len() <= 63 && value.split('-').all(group_ok)
}

/// `metadata.namespace`: a DNS label.
pub fn check_namespace(value: &str) -> Result<(), String> {
    if is_dns_label(value) {
        Ok(())
    } else {
        Err(format!("\"{value}\" must be 1 to 63 lowercase letters and digits, groups separated by '-'"))
    }
}

/// A DNS subdomain: up to 253 characters of DNS labels joined by `.`.
pub fn is_dns_subdomain(value: &str) -> bool {
    !value.is_empty() && value.len() <= 253 && value.split('.').all(is_dns_label)
}

/// `kind`: 1-63 letters and digits, starting with a letter.
pub fn check_kind(value: &str) -> Result<(), String> {
    let valid = !value.is_empty()
        && value.len() <= 63
        && value.starts_with(|c: char| c.is_ascii_alphabetic())
        && value.chars().all(|c| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(format!("\"{value}\" must be 1 to 63 letters and digits, starting with a letter"))
    }
}

/// `apiVersion`: `[<dns subdomain>/]<1-63 letters and digits>`, e.g. `backstage.io/v1alpha1`.
pub fn check_api_version(value: &str) -> Result<(), String> {
    let version_ok = |version: &str| {
        !version.is_empty() && version.len() <= 63 && version.chars().all(|c| c.is_ascii_alphanumeric())
    };
    if prefix_and_suffix(value, is_dns_subdomain, version_ok) {
        Ok(())
    } else {
        Err(format!("\"{value}\" is not an apiVersion like backstage.io/v1alpha1"))
    }
}

/// A label or annotation key: `[<dns subdomain>/]<name>`, e.g. `backstage.io/techdocs-ref`.
pub fn check_key(value: &str) -> Result<(), String> {
    if prefix_and_suffix(value, is_dns_subdomain, |name| check_name(name).is_ok()) {
        Ok(())
    } else {
        Err(format!(
            "\"{value}\" must be a name of up to 63 letters, digits, '-', '_' and '.', optionally after a DNS prefix and '/' (like example.com/my-key)"
        ))
    }
}

/// A label value: empty, or a name.
pub fn check_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        Ok(())
    } else {
        check_name(value)
    }
}

/// A tag: 1-63 characters of `[a-z0-9:+#]`, groups joined by `-`.
pub fn check_tag(value: &str) -> Result<(), String> {
    let group_ok = |group: &str| {
        !group.is_empty() && group.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ":+#".contains(c))
    };
    if !value.is_empty() && value.len() <= 63 && value.split('-').all(group_ok) {
        Ok(())
    } else {
        Err(format!(
            "tag \"{value}\" must be 1 to 63 lowercase letters, digits, ':', '+' or '#', groups separated by '-'"
        ))
    }
}

/// `<suffix>` or `<prefix>/<suffix>` with each part checked; more than one `/` fails.
fn prefix_and_suffix(value: &str, prefix_ok: impl Fn(&str) -> bool, suffix_ok: impl Fn(&str) -> bool) -> bool {
    let parts: Vec<&str> = value.split('/').collect();
    match parts.as_slice() {
        [suffix] => suffix_ok(suffix),
        [prefix, suffix] => prefix_ok(prefix) && suffix_ok(suffix),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_kubernetes_object_name_rule() {
        for good in ["a", "checkout", "Checkout-API_v2.1", "a.b", "x--y", "9lives"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-start", "end-", "_x", "has space", "ümlaut", &"a".repeat(64)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(check_name("bad name").unwrap_err().contains("\"bad name\""));
    }

    #[test]
    fn namespaces_are_dns_labels() {
        for good in ["default", "team-a", "a1-b2-c3"] {
            assert!(check_namespace(good).is_ok(), "{good}");
        }
        for bad in ["", "Default", "team_a", "-a", "a-", "a--b", "a.b", &"a".repeat(64)] {
            assert!(check_namespace(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kinds_and_api_versions() {
        assert!(check_kind("Component").is_ok());
        assert!(check_kind("API").is_ok());
        assert!(check_kind("1Thing").is_err());
        assert!(check_kind("Com-ponent").is_err());
        for good in ["backstage.io/v1alpha1", "backstage.io/v1beta1", "scaffolder.backstage.io/v1beta3", "v1"] {
            assert!(check_api_version(good).is_ok(), "{good}");
        }
        for bad in ["", "backstage.io/", "/v1", "Backstage.io/v1", "a/b/c", "backstage.io/v1-alpha"] {
            assert!(check_api_version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn label_and_annotation_keys_may_have_a_dns_prefix() {
        for good in ["backstage.io/techdocs-ref", "github.com/project-slug", "simple", "example.com/My_Key.1"] {
            assert!(check_key(good).is_ok(), "{good}");
        }
        for bad in ["", "Example.com/key", "a/b/c", "example.com/", "/key", "key with space"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
        assert!(check_label_value("").is_ok());
        assert!(check_label_value("production").is_ok());
        assert!(check_label_value("not ok").is_err());
    }

    #[test]
    fn tags_are_lowercase_words_joined_by_dashes() {
        for good in ["java", "c++", "c#", "go-1:20", "a-b-c"] {
            assert!(check_tag(good).is_ok(), "{good}");
        }
        for bad in ["", "Java", "two words", "a--b", "-a", "a-", "a_b", &"a".repeat(64)] {
            assert!(check_tag(bad).is_err(), "{bad}");
        }
    }
}
