import { describe, expect, it } from "vitest";
import { groupClients } from "./compat";

const names = {
  family: { gmail: "Gmail", outlook: "Outlook", "apple-mail": "Apple Mail" },
  platform: { android: "Android", ios: "iOS", "desktop-webmail": "Desktop Webmail", windows: "Windows", macos: "macOS" },
};

describe("groupClients", () => {
  it("puts each family's platforms on one line, in caniemail's names and the order first met", () => {
    expect(groupClients(["gmail.android", "outlook.windows", "gmail.desktop-webmail", "gmail.ios", "outlook.macos"], names)).toEqual([
      "Gmail: Android, Desktop Webmail, iOS",
      "Outlook: Windows, macOS",
    ]);
  });

  it("shows ids the names do not know as they are", () => {
    expect(groupClients(["hey.desktop-webmail", "apple-mail.visionos", "fastmail"], names)).toEqual([
      "hey: Desktop Webmail",
      "Apple Mail: visionos",
      "fastmail",
    ]);
  });
});
