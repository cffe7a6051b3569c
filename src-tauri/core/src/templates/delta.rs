//! A rendered HTML expressed as a change of the previous one, for the live preview.
//!
//! Typing changes a few characters of a template, but MJML output is often ten times its source
//! (50 KB → 540 KB); sending only what changed keeps the preview's IPC message small. The offsets are
//! in UTF-16 code units, the unit of JavaScript strings, so the webview applies the delta with plain
//! `slice`s.

use serde::Serialize;
use ts_rs::TS;

/// `next` = the first `prefix` UTF-16 units of the base, then `middle`, then the base's last `suffix`
/// UTF-16 units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TextDelta {
    /// Id of the base text this delta applies to.
    #[ts(type = "number")]
    pub base: u64,
    /// Length of the common beginning, UTF-16 code units.
    pub prefix: u32,
    /// Length of the common end, UTF-16 code units (never overlapping the prefix).
    pub suffix: u32,
    /// The text between them.
    pub middle: String,
}

/// The delta that turns `previous` (known to the receiver as `base`) into `next`. `None` when either
/// text is longer than `u32::MAX` UTF-16 units.
#[must_use]
pub fn text_delta(base: u64, previous: &str, next: &str) -> Option<TextDelta> {
    let (old, new) = (previous.as_bytes(), next.as_bytes());
    let mut prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    while !next.is_char_boundary(prefix) || !previous.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let limit = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(limit)
        .take_while(|(a, b)| a == b)
        .count();
    while !next.is_char_boundary(new.len() - suffix)
        || !previous.is_char_boundary(old.len() - suffix)
    {
        suffix -= 1;
    }
    Some(TextDelta {
        base,
        prefix: utf16_len(&next[..prefix])?,
        suffix: utf16_len(&next[new.len() - suffix..])?,
        middle: next[prefix..new.len() - suffix].to_owned(),
    })
}

fn utf16_len(text: &str) -> Option<u32> {
    u32::try_from(text.encode_utf16().count()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies a delta the way the webview does, on UTF-16 units.
    fn apply(previous: &str, delta: &TextDelta) -> String {
        let units: Vec<u16> = previous.encode_utf16().collect();
        let head = &units[..delta.prefix as usize];
        let tail = &units[units.len() - delta.suffix as usize..];
        let mut out = String::from_utf16(head).unwrap();
        out.push_str(&delta.middle);
        out.push_str(&String::from_utf16(tail).unwrap());
        out
    }

    #[test]
    fn sends_only_the_changed_middle() {
        let delta = text_delta(7, "<td>Hello Anna</td>", "<td>Hello Anna K.</td>").unwrap();
        assert_eq!(
            (
                delta.base,
                delta.prefix,
                delta.suffix,
                delta.middle.as_str()
            ),
            (7, 14, 5, " K.")
        );
        let same = text_delta(1, "abc", "abc").unwrap();
        assert_eq!((same.prefix + same.suffix, same.middle.as_str()), (3, ""));
    }

    #[test]
    fn overlapping_repeats_do_not_double_count() {
        // "aaa" → "aaaa": prefix 3 leaves no room for a suffix.
        let delta = text_delta(0, "aaa", "aaaa").unwrap();
        assert_eq!(
            (delta.prefix, delta.suffix, delta.middle.as_str()),
            (3, 0, "a")
        );
        assert_eq!(apply("aaa", &delta), "aaaa");
    }

    #[test]
    fn counts_utf16_units_and_never_splits_a_character() {
        // 𝄞 is 2 UTF-16 units; "é"/"è" and "𝄞"/"𝄟" share leading UTF-8 bytes.
        for (old, new) in [
            ("𝄞 é x", "𝄞 ё x"),
            ("Привет, Анна", "Привет, Анне"),
            ("é", "è"),
            ("ab𝄞", "ab𝄟"),
            ("", "новый"),
            ("старый", ""),
        ] {
            let delta = text_delta(0, old, new).unwrap();
            assert_eq!(apply(old, &delta), new, "{old} → {new}");
        }
        let delta = text_delta(0, "𝄞a", "𝄞b").unwrap();
        assert_eq!(delta.prefix, 2);
    }

    proptest::proptest! {
        #[test]
        fn applying_the_delta_gives_the_new_text(old in "[aé𝄞<>]{0,12}", new in "[aé𝄞<>]{0,12}") {
            let delta = text_delta(0, &old, &new).unwrap();
            proptest::prop_assert_eq!(apply(&old, &delta), new);
        }
    }
}
