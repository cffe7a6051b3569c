//! Keeps the app window on the app. A navigation of the window to anything but the app's own pages is
//! refused; `http(s)` and `mailto` links are handed to the system browser instead. (Template previews
//! live in a sandboxed iframe whose CSP and the app's `frame-src 'none'` already stop them loading
//! anything.)

use tauri::plugin::TauriPlugin;
use tauri::{Manager, Runtime};
use tauri_plugin_opener::OpenerExt;

/// Whether `url` is one of the app's own pages (the embedded UI on every platform, the Vite dev server
/// in debug builds) or an iframe's inline document.
fn is_app_url(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" | "about" => true,
        "http" | "https" => {
            url.host_str() == Some("tauri.localhost")
                || (cfg!(debug_assertions) && url.host_str() == Some("localhost"))
        }
        _ => false,
    }
}

/// The plugin: refuses foreign navigations and opens web links in the system browser.
pub fn guard<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|webview, url| {
            if is_app_url(url) {
                return true;
            }
            let shown = patchbay_core::redact::redact(url.as_str()).into_owned();
            if matches!(url.scheme(), "http" | "https" | "mailto") {
                match webview
                    .app_handle()
                    .opener()
                    .open_url(url.as_str(), None::<&str>)
                {
                    Ok(()) => log::info!("opened {shown} in the system browser"),
                    Err(error) => log::warn!("cannot open {shown} in the system browser: {error}"),
                }
            } else {
                log::warn!("refused a navigation of the app window to {shown}");
            }
            false
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::is_app_url;

    #[test]
    fn only_the_app_itself_stays_in_the_window() {
        for inside in [
            "tauri://localhost/",
            "http://tauri.localhost/index.html",
            "about:srcdoc",
            "about:blank",
        ] {
            assert!(is_app_url(&inside.parse().unwrap()), "{inside}");
        }
        for outside in [
            "https://example.com/",
            "http://127.0.0.1:9/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "mailto:a@b.c",
        ] {
            assert!(!is_app_url(&outside.parse().unwrap()), "{outside}");
        }
    }
}
