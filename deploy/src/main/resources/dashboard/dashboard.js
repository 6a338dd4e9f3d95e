// The dashboard polls /api/cluster and redraws; no external libraries, works offline.
"use strict";
const HISTORY = 90;
const samples = [];

function human(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = Number(bytes) || 0, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return (u === 0 ? v : v.toFixed(1)) + " " + units[u];
}
const num = v => Number(v || 0);
const set = (id, text) => { document.getElementById(id).textContent = text; };

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function render(data) {
  const c = data.cluster;
  const peers = c.peers || [];
  const nodes = (c.nodes || []).slice().sort((x, y) => x.nodeId.localeCompare(y.nodeId));
  const live = nodes.filter(n => n.state === "LIVE").length;
  const dead = nodes.length - live;
  const peersUp = peers.filter(p => p.role === "LEADER" || p.role === "FOLLOWER").length;
  set("leader", c.leaderId || "none");
  set("term", "term " + c.term + ", commit " + c.commitIndex);
  set("peers-up", peersUp + " / " + peers.length);
  set("nodes-live", live);
  set("nodes-dead", dead);
  set("used", human(c.usedBytes));
  set("free", human(c.remainingBytes));
  document.getElementById("used-bar").style.width =
      (num(c.capacityBytes) ? 100 * num(c.usedBytes) / num(c.capacityBytes) : 0) + "%";
  set("files", c.files);
  set("dirs", c.directories);
  set("blocks", c.blocks);
  set("under", c.underReplicatedBlocks);
  set("corrupt", c.corruptBlocks);
  set("missing", c.missingBlocks);
  const problems = num(c.corruptBlocks) + num(c.missingBlocks);
  const health = document.getElementById("health");
  health.textContent = !c.leaderId ? "NO LEADER" : c.safeMode ? "SAFE MODE" : problems ? "DATA AT RISK" :
      (dead || num(c.underReplicatedBlocks) || peersUp < peers.length) ? "DEGRADED" : "HEALTHY";
  health.title = c.safeMode ? "new leader: " + c.safeModeReason : "";
  health.className = "badge " + (!c.leaderId || problems ? "bad"
      : ["DEGRADED", "SAFE MODE"].includes(health.textContent) ? "warn" : "ok");
  set("updated", "updated " + new Date(data.timeMs).toLocaleTimeString());

  const peerRows = document.getElementById("peers");
  peerRows.replaceChildren(...peers.map(p => {
    const tr = document.createElement("tr");
    tr.id = "peer-row-" + p.peerId;
    tr.className = p.role;
    tr.append(cell(p.peerId), cell(p.role, "role-" + p.role), cell(p.address), cell(p.httpAddress || "–"));
    return tr;
  }));
  const nodeRows = document.getElementById("nodes");
  nodeRows.replaceChildren(...nodes.map(n => {
    const tr = document.createElement("tr");
    tr.id = "node-row-" + n.nodeId;
    tr.className = n.state;
    tr.dataset.state = n.state;
    const ago = Math.max(0, (data.timeMs - num(n.lastHeartbeatMs)) / 1000).toFixed(1) + " s ago";
    tr.append(cell(n.nodeId), cell(n.state, "state-" + n.state), cell(n.host + ":" + n.dataPort),
        cell(n.blockCount), cell(human(n.usedBytes)), cell(human(n.remainingBytes)),
        cell(human(n.writeBytesPerSec) + "/s"), cell(human(n.readBytesPerSec) + "/s"),
        cell(num(n.activeTransfers)), cell(num(n.queuedPackets)), cell(ago));
    return tr;
  }));

  const liveNodes = nodes.filter(n => n.state === "LIVE");
  samples.push({
    write: liveNodes.reduce((s, n) => s + num(n.writeBytesPerSec), 0) / 1048576,
    read: liveNodes.reduce((s, n) => s + num(n.readBytesPerSec), 0) / 1048576,
    wops: num(c.writeOpsPerSec), rops: num(c.readOpsPerSec),
  });
  if (samples.length > HISTORY) samples.shift();
  chart("throughput", "write", "read");
  chart("ops", "wops", "rops");
}

function chart(id, a, b) {
  const canvas = document.getElementById(id);
  const g = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 30;
  g.clearRect(0, 0, w, h);
  const max = Math.max(1, ...samples.map(s => Math.max(s[a], s[b])));
  g.strokeStyle = "#e3e8ec"; g.fillStyle = "#7a8794"; g.font = "11px sans-serif";
  for (let i = 0; i <= 4; i++) {
    const y = h - pad / 2 - (h - pad) * i / 4;
    g.beginPath(); g.moveTo(pad, y); g.lineTo(w, y); g.stroke();
    g.fillText((max * i / 4).toFixed(max < 10 ? 1 : 0), 0, y + 4);
  }
  [[a, "#3572b0"], [b, "#2e9d5b"]].forEach(([key, color]) => {
    g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
    samples.forEach((s, i) => {
      const x = pad + (w - pad) * i / (HISTORY - 1);
      const y = h - pad / 2 - (h - pad) * s[key] / max;
      i ? g.lineTo(x, y) : g.moveTo(x, y);
    });
    g.stroke();
  });
}

async function poll() {
  try {
    const r = await fetch("api/cluster", {cache: "no-store"});
    if (r.status === 401) throw new Error("open the dashboard's address with ?token=<the gateway's token> once"
        + " (dfs local start prints it)");
    if (!r.ok) throw new Error((await r.json()).error || r.status);
    render(await r.json());
  } catch (e) {
    const health = document.getElementById("health");
    health.textContent = "UNREACHABLE: " + e.message;
    health.className = "badge bad";
  }
}
function renderLatency(rows) {
  const body = document.getElementById("latency");
  // busiest first within each process, processes in the order the gateway listed them
  const order = [...new Set(rows.map(r => r.process))];
  rows.sort((x, y) => order.indexOf(x.process) - order.indexOf(y.process) || num(y.ratePerSec) - num(x.ratePerSec)
      || num(y.count) - num(x.count));
  body.replaceChildren(...rows.map(r => {
    const tr = document.createElement("tr");
    if (r.error) {
      tr.append(cell(r.process), cell(r.error, "state-DEAD"), cell(""), cell(""), cell(""), cell(""));
    } else {
      tr.append(cell(r.process), cell(r.operation), cell(r.count), cell(num(r.ratePerSec).toFixed(1)),
          cell(num(r.p50Ms).toFixed(2)), cell(num(r.p99Ms).toFixed(2)));
    }
    return tr;
  }));
}

function renderStreams(rows) {
  rows.sort((x, y) => num(y.bytesWritten) - num(x.bytesWritten));
  document.getElementById("streams").replaceChildren(...rows.map(r => {
    const tr = document.createElement("tr");
    tr.append(cell(r.process), cell(r.path), cell(human(r.bytesWritten)), cell(human(r.bytesAcknowledged)),
        cell(num(r.packetsInFlight)), cell((num(r.ageMs) / 1000).toFixed(1) + " s"));
    return tr;
  }));
}

async function pollLatency() {
  try {
    const r = await fetch("api/latency", {cache: "no-store"});
    if (r.ok) {
      const data = await r.json();
      renderLatency(data.latency || []);
      renderStreams(data.streams || []);
    }
  } catch (e) {
    // the cluster poll reports an unreachable gateway
  }
}
poll();
setInterval(poll, 2000);
pollLatency();
setInterval(pollLatency, 5000);
