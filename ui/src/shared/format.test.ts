import { describe, expect, it } from "vitest";
import { errorText, fieldSentence, relativeTime, showingRange, shownFieldError } from "./format";
import { ApiError } from "../api";

describe("showingRange", () => {
  it("counts from the page's first row", () => {
    expect(showingRange(2, 10, 10, 134)).toBe("Showing 11–20 of 134");
    expect(showingRange(14, 10, 4, 134)).toBe("Showing 131–134 of 134");
    expect(showingRange(1, 10, 0, 0)).toBe("Showing 0 of 0");
  });
});

describe("relativeTime", () => {
  it("reads like a person would say it", () => {
    const now = 1_700_000_000_000;
    expect(relativeTime(now - 10_000, now)).toBe("just now");
    expect(relativeTime(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(relativeTime(now - 3 * 3_600_000, now)).toBe("3 h ago");
    expect(relativeTime(now - 47 * 3_600_000, now)).toBe("47 h ago");
    expect(relativeTime(now - 12 * 86_400_000, now)).toBe("12 d ago");
    expect(relativeTime(now - 100 * 86_400_000, now)).toBe("3 mo ago");
    expect(relativeTime(now - 3 * 365 * 86_400_000, now)).toBe("3 y ago");
  });

  it("says a time ahead as ahead (a next sync, a next check)", () => {
    const now = 1_700_000_000_000;
    expect(relativeTime(now + 10_000, now)).toBe("in a moment");
    expect(relativeTime(now + 5 * 60_000, now)).toBe("in 5 min");
    expect(relativeTime(now + 3 * 86_400_000, now)).toBe("in 3 d");
  });
});

describe("fieldSentence", () => {
  it("says a predicate of the field with its label, without the core's field prefix", () => {
    expect(fieldSentence("Subdomain", "subdomain: is required unless a base URL is given")).toBe("Subdomain is required unless a base URL is given");
    expect(fieldSentence("Base URL", "base_url: must start with http:// or https://")).toBe("Base URL must start with http:// or https://");
  });

  it("keeps a message that is a sentence of its own, with a capital", () => {
    expect(fieldSentence("Target stage", "mapping.stages: map the trigger stage C1:WON to a stage of the target portal")).toBe(
      "Map the trigger stage C1:WON to a stage of the target portal",
    );
    expect(fieldSentence("Target field", "mapping.fields[2].target: `x y` is not a Bitrix24 field code")).toBe("`x y` is not a Bitrix24 field code");
    expect(fieldSentence("Name", "is required")).toBe("Name is required");
  });
});

describe("errorText", () => {
  it("turns a validation error's field prefix into its label, or the field's name in words", () => {
    const interval = new ApiError({ kind: "validation", field: "interval_minutes", message: "interval_minutes: must be 5 to 10080 minutes, got 3" });
    expect(errorText(interval, { interval_minutes: "The interval" })).toBe("The interval must be 5 to 10080 minutes, got 3");
    expect(errorText(interval)).toBe("Interval minutes must be 5 to 10080 minutes, got 3");
    const conflict = new ApiError({ kind: "conflict", field: "action_key", message: "action_key: this integration already has a route order.created" });
    expect(errorText(conflict)).toBe("This integration already has a route order.created");
  });

  it("leaves any other error's message as it is", () => {
    expect(errorText(new ApiError({ kind: "not_found", message: "integration 7 not found" }))).toBe("integration 7 not found");
    expect(errorText(new Error("keychain: locked"))).toBe("keychain: locked");
    expect(errorText("plain")).toBe("plain");
  });
});

describe("shownFieldError", () => {
  it("gives a refusal about a field the form shows as that field's sentence, and nothing for any other", () => {
    const path = new ApiError({ kind: "validation", field: "webhook_path", message: "webhook_path: must be the path of the Webhook node" });
    expect(shownFieldError(path, { webhook_path: "The webhook path" })).toEqual({ field: "webhook_path", text: "The webhook path must be the path of the Webhook node" });
    expect(shownFieldError(path, { action_key: "The action key" })).toBeNull();
    expect(shownFieldError(new Error("database: locked"), { webhook_path: "The webhook path" })).toBeNull();
  });
});
