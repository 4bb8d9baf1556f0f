import type { Element } from "@xmpp/xml";
import { describe, expect, it } from "vitest";
import { parseXmlElement } from "../../../src/formats/xml.js";
import { checkRoomConfig } from "../../../src/rooms/config.js";
import {
  fillConfigForm,
  readConfigForm,
  summariseRoomInfo,
} from "../../../src/rooms/config-form.js";

const X = `xmlns="jabber:x:data"`;
const field = (name: string, type: string, ...values: string[]) =>
  `<field var="${name}" type="${type}">${values.map((v) => `<value>${v}</value>`).join("")}</field>`;
const form = (...fields: string[]) =>
  parseXmlElement(
    `<x ${X} type="form">${field("FORM_TYPE", "hidden", "http://jabber.org/protocol/muc#roomconfig")}${fields.join("")}</x>`,
  ).root;

// The owner forms of a new room, as Prosody 0.12 and ejabberd 23.01 send them (abridged).
const prosodyForm = form(
  `<field type="fixed"><value>Room information</value></field>`,
  field("muc#roomconfig_roomname", "text-single"),
  field("muc#roomconfig_roomdesc", "text-single", ""),
  // Prosody leaves the value out of a boolean that is off.
  field("muc#roomconfig_persistentroom", "boolean"),
  field("muc#roomconfig_publicroom", "boolean", "0"),
  field("muc#roomconfig_roomsecret", "text-private", "hunter2"),
  field("muc#roomconfig_membersonly", "boolean"),
  field("{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites", "boolean"),
  field("muc#roomconfig_changesubject", "boolean"),
  field("muc#roomconfig_moderatedroom", "boolean"),
  field("muc#roomconfig_whois", "list-single", "moderators"),
  field("muc#roomconfig_historylength", "text-single", "20"),
  field("muc#roomconfig_presencebroadcast", "list-multi", "visitor", "participant", "moderator"),
  field("muc#roomconfig_enablearchiving", "boolean", "1"),
);
const ejabberdForm = form(
  field("muc#roomconfig_roomname", "text-single"),
  field("muc#roomconfig_roomdesc", "text-single"),
  field("muc#roomconfig_persistentroom", "boolean", "0"),
  field("muc#roomconfig_publicroom", "boolean", "1"),
  field("muc#roomconfig_passwordprotectedroom", "boolean", "1"),
  field("muc#roomconfig_roomsecret", "text-private", "hunter2"),
  field("muc#roomconfig_maxusers", "list-single", "200"),
  field("muc#roomconfig_whois", "list-single", "anyone"),
  field("muc#roomconfig_membersonly", "boolean", "0"),
  field("muc#roomconfig_moderatedroom", "boolean", "1"),
  field("muc#roomconfig_changesubject", "boolean", "1"),
  field("allow_private_messages", "boolean", "1"),
  field("muc#roomconfig_allowinvites", "boolean", "0"),
  field("mam", "boolean", "1"),
);

/** The submitted fields as var -> values. */
const submitted = (x: Element) =>
  Object.fromEntries(
    x.getChildren("field").map((f) => [f.attrs.var, f.getChildren("value").map((v) => v.text())]),
  );

describe("filling a room's owner form (XEP-0045 §10.1.3, §10.2)", () => {
  it("submits only the fields asked for, under the names each server's form uses", () => {
    const config = {
      name: "Release team",
      membersOnly: true,
      persistent: false,
      maxOccupants: 50,
      whois: "anyone" as const,
      allowInvites: true,
      archive: false,
    };
    const prosody = fillConfigForm(prosodyForm, config);
    expect(prosody.submit.attrs.type).toBe("submit");
    expect(submitted(prosody.submit)).toEqual({
      FORM_TYPE: ["http://jabber.org/protocol/muc#roomconfig"],
      "muc#roomconfig_roomname": ["Release team"],
      "muc#roomconfig_persistentroom": ["0"],
      "muc#roomconfig_membersonly": ["1"],
      "muc#roomconfig_whois": ["anyone"],
      "{http://prosody.im/protocol/muc}roomconfig_allowmemberinvites": ["1"],
      "muc#roomconfig_enablearchiving": ["0"],
    });
    expect(prosody.ignored).toEqual(["maxOccupants"]);

    const ejabberd = fillConfigForm(ejabberdForm, config);
    expect(submitted(ejabberd.submit)).toMatchObject({
      "muc#roomconfig_maxusers": ["50"],
      "muc#roomconfig_allowinvites": ["1"],
      mam: ["0"],
    });
    expect(ejabberd.ignored).toEqual([]);
  });

  it("sets the password with passwordprotectedroom where the form has one, and clears it with an empty one", () => {
    expect(submitted(fillConfigForm(ejabberdForm, { password: "s3cret" }).submit)).toMatchObject({
      "muc#roomconfig_roomsecret": ["s3cret"],
      "muc#roomconfig_passwordprotectedroom": ["1"],
    });
    expect(submitted(fillConfigForm(ejabberdForm, { password: "" }).submit)).toMatchObject({
      "muc#roomconfig_roomsecret": [""],
      "muc#roomconfig_passwordprotectedroom": ["0"],
    });
    expect(
      submitted(fillConfigForm(prosodyForm, { password: "s3cret" }).submit),
    ).not.toHaveProperty("muc#roomconfig_passwordprotectedroom");
  });

  it("fills other fields by their var, a multi field from a list, and lists the ones it lacks", () => {
    const { submit, ignored } = fillConfigForm(prosodyForm, {
      other: {
        "muc#roomconfig_historylength": 5,
        "muc#roomconfig_presencebroadcast": ["moderator"],
        allow_private_messages: false,
      },
    });
    expect(submitted(submit)).toMatchObject({
      "muc#roomconfig_historylength": ["5"],
      "muc#roomconfig_presencebroadcast": ["moderator"],
    });
    expect(ignored).toEqual(["allow_private_messages"]);
  });
});

describe("reading a room's configuration", () => {
  it("maps the owner form to the API's names, never shows the password, and keeps the rest as other", () => {
    const prosody = readConfigForm(prosodyForm);
    expect(prosody).toMatchObject({
      name: "",
      persistent: false,
      public: false,
      membersOnly: false,
      password: true,
      maxOccupants: null,
      whois: "moderators",
      allowInvites: false,
      archive: true,
    });
    expect(prosody.other).toEqual({
      "muc#roomconfig_historylength": "20",
      "muc#roomconfig_presencebroadcast": ["visitor", "participant", "moderator"],
    });
    expect(JSON.stringify(prosody)).not.toContain("hunter2");

    const ejabberd = readConfigForm(ejabberdForm);
    expect(ejabberd).toMatchObject({
      persistent: false,
      public: true,
      password: true,
      maxOccupants: 200,
      whois: "anyone",
      moderated: true,
      archive: true,
    });
    expect(ejabberd.other).toEqual({ allow_private_messages: "1" });
    expect(JSON.stringify(ejabberd)).not.toContain("hunter2");
  });

  it("sums a room up from its disco#info: features, the muc#roominfo form, the identity's name", () => {
    const info = parseXmlElement(
      `<query xmlns="http://jabber.org/protocol/disco#info">
        <identity category="conference" type="text" name="Probe"/>
        <feature var="muc_hidden"/><feature var="muc_membersonly"/><feature var="muc_unsecured"/>
        <feature var="muc_semianonymous"/><feature var="muc_moderated"/><feature var="muc_persistent"/>
        <feature var="urn:xmpp:mam:2"/>
        <x ${X} type="result">${field("FORM_TYPE", "hidden", "http://jabber.org/protocol/muc#roominfo")}${field("muc#roominfo_description", "text-single", "Where we ship")}${field("muc#roominfo_changesubject", "boolean", "1")}</x>
      </query>`,
    ).root;
    expect(summariseRoomInfo(info)).toEqual({
      name: "Probe",
      description: "Where we ship",
      persistent: true,
      public: false,
      membersOnly: true,
      moderated: true,
      password: false,
      maxOccupants: null,
      whois: "moderators",
      allowInvites: null,
      changeSubject: true,
      archive: true,
    });
  });

  it("says null for what a room's disco#info leaves out, and no archive without its feature", () => {
    const bare = parseXmlElement(`<query xmlns="http://jabber.org/protocol/disco#info"/>`).root;
    expect(summariseRoomInfo(bare)).toMatchObject({
      name: null,
      persistent: null,
      membersOnly: null,
      whois: null,
      archive: false,
    });
  });
});

describe("checking a configuration", () => {
  it("names the field whose text XML cannot carry", () => {
    expect(() => checkRoomConfig({ name: "bell \u0007" }, "config.")).toThrow(/"config\.name"/);
    expect(() => checkRoomConfig({ other: { x: ["ok", "\u0000"] } })).toThrow(/"other\.x"/);
    expect(checkRoomConfig({ name: "fine" })).toEqual({ name: "fine" });
  });
});
