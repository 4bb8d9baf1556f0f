"""Parses stanzas the way Prosody and ejabberd do: Expat, namespace-aware, inside a
jabber:component:accept stream. Reads one JSON string per line on stdin, writes one JSON
line per input: {"ok": true} or {"ok": false, "error": "..."}."""
import json
import sys
import xml.parsers.expat

OPEN = ('<stream:stream xmlns="jabber:component:accept" '
        'xmlns:stream="http://etherx.jabber.org/streams">')

for line in sys.stdin:
    stanza = json.loads(line)
    parser = xml.parsers.expat.ParserCreate(namespace_separator="\x01")
    depth = [0, 0]

    def start(name, attrs):
        depth[0] += 1
        if depth[0] == 2:
            depth[1] += 1

    def end(name):
        depth[0] -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse((OPEN + stanza + "</stream:stream>").encode("utf-8", "surrogatepass"), True)
        result = {"ok": depth[1] == 1, "error": None if depth[1] == 1 else "not one stanza"}
    except xml.parsers.expat.ExpatError as err:
        result = {"ok": False, "error": str(err)}
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
