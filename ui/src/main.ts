// The UI's entry. Modules are evaluated in import order: the first screen's requests go out before the
// rest of the UI's modules are evaluated (src/firstScreen.ts), then the UI renders (src/start.tsx).
import "./firstScreen";
import "./start";
