import { describe, expect, it } from "vitest";
import { commandForm } from "../../../src/commands/form.js";

describe("a command's form", () => {
  it("writes a XEP-0004 form with list options, booleans and fixed text", () => {
    const x = commandForm({
      title: "Poll",
      fields: [
        { type: "fixed", value: "Pick one" },
        {
          var: "choice",
          type: "list-single",
          options: [{ label: "Yes", value: "y" }, { value: "n" }],
        },
        { var: "anonymous", type: "boolean", value: "1" },
        { var: "who", type: "jid-multi", value: ["alice@localhost", "bob@localhost"] },
      ],
    });
    expect(x.attrs).toMatchObject({ xmlns: "jabber:x:data", type: "form" });
    expect(x.getChildren("field").map((f) => f.attrs.type)).toEqual([
      "fixed",
      "list-single",
      "boolean",
      "jid-multi",
    ]);
  });

  it.each([
    [{ fields: [{ var: "a", type: "dropdown" }] }, /fields\[0\]\.type/],
    [{ fields: [{ type: "text-single" }] }, /fields\[0\]\.var/],
    [{ fields: [{ var: "a" }, { var: "a" }] }, /fields\[1\]\.var: 'a' is used twice/],
    [
      { fields: [{ var: "a", value: ["1", "2"] }] },
      /fields\[0\] \(a\)\.value: a text-single field has one value/,
    ],
    [{ fields: [{ var: "ok", type: "boolean", value: "maybe" }] }, /fields\[0\] \(ok\)\.value/],
    [{ fields: [{ var: "j", type: "jid-single", value: "not a jid@" }] }, /holds JIDs/],
    [{ fields: [{ var: "t", options: [{ value: "x" }] }] }, /only list fields have options/],
    [{ type: "submit" }, /form\.type/],
  ])("refuses %j naming the field", (form, text) => {
    expect(() => commandForm(form)).toThrow(text);
  });
});
