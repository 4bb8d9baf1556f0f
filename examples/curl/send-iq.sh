#!/bin/sh
# Sends an iq (a software version query, XEP-0092) and prints the answer.
# Usage: XMPP_REST_TOKEN=... ./send-iq.sh example.org
set -eu
: "${XMPP_REST_URL:=http://127.0.0.1:5281}"
: "${XMPP_REST_TOKEN:?set XMPP_REST_TOKEN to one of the bridge's XMPP_REST_TOKENS}"
to=${1:?usage: $0 TO}
# The request waits for the reply (long-poll) and returns it as XML.
curl --silent --show-error --fail-with-body \
  -H "Authorization: Bearer $XMPP_REST_TOKEN" \
  -H "Content-Type: application/xmpp+xml" \
  -H "Accept: application/xmpp+xml" \
  --data-binary "<iq type=\"get\" to=\"$to\"><query xmlns=\"jabber:iq:version\"/></iq>"  \
  "$XMPP_REST_URL/rest"
echo
