//! How the webview draws on Linux. WebKitGTK composites its layers with OpenGL; without a GPU, Mesa's
//! software rasterizer (llvmpipe) does that work on the CPU, and every change inside the template
//! preview's frame then costs a 35–70 ms frame instead of one 16 ms frame (measured under Xvfb:
//! docs/performance.md). On such machines (virtual machines, remote desktops) WebKit's own
//! non-composited CPU drawing is the faster path, so Patchbay asks for it — unless the user already
//! chose with WebKit's `WEBKIT_DISABLE_COMPOSITING_MODE` variable.

/// What [`choose`] decided, for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compositing {
    /// A GPU render node exists (or this is not Linux): WebKit's default, GPU compositing.
    Gpu,
    /// No GPU render node: compositing is off and WebKit draws on the CPU.
    CpuWithoutGpu,
    /// `WEBKIT_DISABLE_COMPOSITING_MODE` was set by the user; left as it is.
    UserChoice,
}

/// Whether the machine has a GPU render node (`/dev/dri/renderD*`), which Mesa needs for hardware GL.
fn has_render_node(dri: &std::path::Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// The decision for a machine with (or without) a render node, given the user's variable.
fn decide(user_setting: Option<std::ffi::OsString>, render_node: bool) -> Compositing {
    match (user_setting, render_node) {
        (Some(_), _) => Compositing::UserChoice,
        (None, true) => Compositing::Gpu,
        (None, false) => Compositing::CpuWithoutGpu,
    }
}

/// Picks how the webview draws. Must run at the very start of `main`, before any thread starts and
/// before WebKit reads its environment (it is read once, when the first webview is created).
pub fn choose() -> Compositing {
    const VARIABLE: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if !cfg!(target_os = "linux") {
        return Compositing::Gpu;
    }
    let decision = decide(
        std::env::var_os(VARIABLE),
        has_render_node(std::path::Path::new("/dev/dri")),
    );
    if decision == Compositing::CpuWithoutGpu {
        // Single-threaded here (see above), so changing the environment is sound.
        std::env::set_var(VARIABLE, "1");
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_setting_always_wins() {
        assert_eq!(decide(Some("0".into()), false), Compositing::UserChoice);
        assert_eq!(decide(Some("1".into()), true), Compositing::UserChoice);
    }

    #[test]
    fn compositing_stays_on_with_a_render_node_and_goes_off_without() {
        assert_eq!(decide(None, true), Compositing::Gpu);
        assert_eq!(decide(None, false), Compositing::CpuWithoutGpu);
    }

    #[test]
    fn render_nodes_are_found_by_name() {
        let dir = std::env::temp_dir().join(format!("patchbay-dri-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        assert!(!has_render_node(&dir));
        std::fs::write(dir.join("card0"), b"").expect("write");
        assert!(!has_render_node(&dir), "a card alone is not a render node");
        std::fs::write(dir.join("renderD128"), b"").expect("write");
        assert!(has_render_node(&dir));
        assert!(!has_render_node(&dir.join("missing")));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
