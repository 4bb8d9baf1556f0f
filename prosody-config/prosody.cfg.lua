-- Add xmpp-rest to your own Prosody: put this block in prosody.cfg.lua (or a file in
-- conf.d/) and reload Prosody. The bridge then connects as an XEP-0114 component.

-- Where Prosody accepts component connections. Keep it on loopback unless the bridge
-- runs on another host, and then protect the port (it is plain TCP).
component_ports = { 5347 }
component_interfaces = { "127.0.0.1" }

-- The domain the bridge serves: stanzas sent to it (or to anything@it) go to the bridge,
-- which forwards them to your webhook; the bridge may send from it and from JIDs at it.
-- Use the same values for XMPP_REST_DOMAIN and XMPP_REST_SECRET.
Component "rest.example.org"
  component_secret = "change-me-to-a-long-random-string"
  -- For several bridge processes (README, "High availability"): a new connection replaces
  -- the old one, so the link changes hands without a gap (the default refuses it).
  component_conflict_resolve = "kick_old"

-- Only if bots send files (POST /v1/bots/{name}/files): an XEP-0363 upload service. Every
-- host of this server may upload to it, the bridge's component included, and the bridge
-- finds it in the disco#items of example.org (or set XMPP_REST_UPLOAD_SERVICE).
-- Component "upload.example.org" "http_file_share"
--   http_file_share_size_limit = 100 * 1024 * 1024
