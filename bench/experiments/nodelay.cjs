// Experiment for `npm run bench -- --bridge-node-options="--require $PWD/bench/experiments/nodelay.cjs"`:
// sets TCP_NODELAY on every socket the bridge opens, the XEP-0114 component link included
// (xmpp.js leaves Nagle on). Measures what calling socket.setNoDelay(true) in src/ would give.
const net = require("node:net");

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connectWithoutNagle(...args) {
  this.setNoDelay(true);
  return connect.apply(this, args);
};
