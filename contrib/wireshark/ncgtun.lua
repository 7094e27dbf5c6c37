-- Wireshark dissector for the libncgtun wire protocol, version 1
-- (doc/protocol.md). Install in Wireshark's Lua plugin folder
-- (Help > About > Folders, "Global Lua Plugins"), or run
--   tshark -X lua_script:ncgtun.lua -r capture.pcap
-- Frames ride on TCP (default port 4433; Preferences > Protocols >
-- NCGTUN to change it) and are reassembled across segments. RELAY,
-- REQUEST and RESPONSE are shown field by field, their string buffers
-- resolved; DATA and CLOSE show their headers. Payloads are AEAD
-- ciphertext: this dissector never decrypts.

local ncg = Proto("ncgtun", "libncgtun tunnel protocol")

local HDR = 6
local FIXED = { [1] = 10, [2] = 16, [3] = 14, [4] = 12, [5] = 16 }
local types = { [1] = "RELAY", [2] = "REQUEST", [3] = "RESPONSE",
                [4] = "DATA", [5] = "CLOSE" }
local transforms = { [1] = "AES-256-GCM", [2] = "ChaCha20-Poly1305" }
local data_protos = { [0] = "none (keepalive)", [4] = "IPv4", [6] = "IPv6",
                      [0x47] = "GSO" }
local close_status = {
  [0] = "end-session", [1] = "auth-failed", [2] = "integrity",
  [3] = "protocol", [4] = "idle-timeout", [5] = "shutting-down",
  [6] = "server-full", [7] = "redirect", [8] = "key-expired",
  [9] = "relay-refused", [10] = "unreachable", [11] = "replaced",
  [12] = "handshake-timeout", [13] = "version", [14] = "transport",
}

local f = ncg.fields
f.length = ProtoField.uint32("ncgtun.length", "Length", base.DEC)
f.type = ProtoField.uint8("ncgtun.type", "Type", base.DEC, types)
f.version = ProtoField.uint8("ncgtun.version", "Version", base.DEC)
-- RELAY (Fig. 6)
f.origin_index = ProtoField.uint16("ncgtun.relay.origin_index", "Origin index")
f.path_count = ProtoField.uint16("ncgtun.relay.path_count", "Path count")
f.path_index = ProtoField.uint16("ncgtun.relay.path_index", "Path index")
f.origin = ProtoField.string("ncgtun.relay.origin", "Origin")
f.path = ProtoField.string("ncgtun.relay.path", "Path entry")
-- REQUEST (Fig. 7) / RESPONSE (Fig. 8)
f.hs_flags = ProtoField.uint16("ncgtun.hs.flags", "Flags", base.HEX)
f.hs_rekey = ProtoField.bool("ncgtun.hs.flags.rekey", "REKEY", 16, nil, 0x0001)
f.hs_gso = ProtoField.bool("ncgtun.hs.flags.gso", "GSO", 16, nil, 0x0002)
f.offered = ProtoField.uint16("ncgtun.request.transforms", "Transforms offered", base.HEX)
f.off_aes = ProtoField.bool("ncgtun.request.transforms.aes256gcm", "AES-256-GCM", 16, nil, 0x0001)
f.off_chacha = ProtoField.bool("ncgtun.request.transforms.chacha20poly1305", "ChaCha20-Poly1305", 16, nil, 0x0002)
f.dest_index = ProtoField.uint16("ncgtun.request.dest_index", "Destination index")
f.dest = ProtoField.string("ncgtun.request.dest", "Destination")
f.chosen = ProtoField.uint16("ncgtun.response.transform", "Transform chosen", base.DEC, transforms)
f.kx_index = ProtoField.uint16("ncgtun.hs.kx_index", "Key exchange index")
f.kx_len = ProtoField.uint16("ncgtun.hs.kx_len", "Key exchange length")
f.kx = ProtoField.bytes("ncgtun.hs.kx", "Key exchange data (Noise message)")
-- DATA (Fig. 9)
f.dproto = ProtoField.uint8("ncgtun.data.proto", "Protocol", base.HEX, data_protos)
f.dflags = ProtoField.uint8("ncgtun.data.flags", "Flags", base.HEX)
f.dphase = ProtoField.bool("ncgtun.data.flags.key_phase", "KEY_PHASE", 8, nil, 0x01)
f.dglen = ProtoField.uint16("ncgtun.data.dglen", "Datagram length")
f.padlen = ProtoField.uint8("ncgtun.data.padlen", "Pad length")
f.digestlen = ProtoField.uint8("ncgtun.digest_len", "Digest length")
f.digest = ProtoField.bytes("ncgtun.digest", "Digest (AEAD tag)")
f.cipher = ProtoField.bytes("ncgtun.data.ciphertext", "Encrypted datagram and padding")
-- CLOSE (Fig. 10)
f.status = ProtoField.uint16("ncgtun.close.status", "Status", base.DEC, close_status)
f.cflags = ProtoField.uint8("ncgtun.close.flags", "Flags", base.HEX)
f.cauth = ProtoField.bool("ncgtun.close.flags.auth", "AUTH", 8, nil, 0x01)
f.cphase = ProtoField.bool("ncgtun.close.flags.key_phase", "KEY_PHASE", 8, nil, 0x02)
f.retry = ProtoField.uint32("ncgtun.close.retry_after", "Retry after (s)")
f.infolen = ProtoField.uint16("ncgtun.close.info_len", "Info length")
f.info = ProtoField.string("ncgtun.close.info", "Info")

local e_bad = ProtoExpert.new("ncgtun.malformed", "Malformed ncgtun frame",
                              expert.group.MALFORMED, expert.severity.ERROR)
ncg.experts = { e_bad }

ncg.prefs.port = Pref.uint("TCP port", 4433, "TCP port of ncg servers and relays")

-- A NUL-terminated name at `idx` of the string buffer [sb, fend).
local function add_name(tree, field, tvb, sb, fend, idx)
  local at = sb + idx
  if at >= fend then
    tree:add_proto_expert_info(e_bad, "index outside the string buffer")
    return nil
  end
  local n = 0
  while at + n < fend and tvb(at + n, 1):uint() ~= 0 do n = n + 1 end
  if at + n >= fend or n == 0 then
    tree:add_proto_expert_info(e_bad, "name without NUL or empty")
    return nil
  end
  local s = tvb(at, n):string()
  tree:add(field, tvb(at, n + 1), s)
  return s
end

local function add_kx(tree, tvb, sb, fend, idx, len)
  if sb + idx + len > fend or len == 0 then
    tree:add_proto_expert_info(e_bad, "key exchange data past the frame")
    return
  end
  tree:add(f.kx, tvb(sb + idx, len))
end

local function relay(tvb, t, fend)
  local n = tvb(8, 2):uint()
  t:add(f.origin_index, tvb(6, 2))
  t:add(f.path_count, tvb(8, 2))
  local sb = 10 + 2 * n
  if sb > fend then
    t:add_proto_expert_info(e_bad, "path index array past the frame")
    return "RELAY"
  end
  for i = 0, n - 1 do t:add(f.path_index, tvb(10 + 2 * i, 2)) end
  local origin = add_name(t, f.origin, tvb, sb, fend, tvb(6, 2):uint())
  local names = {}
  for i = 0, n - 1 do
    names[#names + 1] = add_name(t, f.path, tvb, sb, fend,
                                 tvb(10 + 2 * i, 2):uint()) or "?"
  end
  return string.format("RELAY %s -> %s", origin or "?", table.concat(names, " -> "))
end

local function hs_flags(t, tvb)
  local ft = t:add(f.hs_flags, tvb(6, 2))
  ft:add(f.hs_rekey, tvb(6, 2))
  ft:add(f.hs_gso, tvb(6, 2))
end

local function request(tvb, t, fend)
  hs_flags(t, tvb)
  local ot = t:add(f.offered, tvb(8, 2))
  ot:add(f.off_aes, tvb(8, 2))
  ot:add(f.off_chacha, tvb(8, 2))
  t:add(f.dest_index, tvb(10, 2))
  t:add(f.kx_index, tvb(12, 2))
  t:add(f.kx_len, tvb(14, 2))
  local dest = add_name(t, f.dest, tvb, 16, fend, tvb(10, 2):uint())
  add_kx(t, tvb, 16, fend, tvb(12, 2):uint(), tvb(14, 2):uint())
  local rekey = bit.band(tvb(6, 2):uint(), 1) ~= 0 and " (rekey)" or ""
  return string.format("REQUEST to %s%s", dest or "?", rekey)
end

local function response(tvb, t, fend)
  hs_flags(t, tvb)
  t:add(f.chosen, tvb(8, 2))
  t:add(f.kx_index, tvb(10, 2))
  t:add(f.kx_len, tvb(12, 2))
  add_kx(t, tvb, 14, fend, tvb(10, 2):uint(), tvb(12, 2):uint())
  local rekey = bit.band(tvb(6, 2):uint(), 1) ~= 0 and " (rekey)" or ""
  return string.format("RESPONSE %s%s", transforms[tvb(8, 2):uint()] or "?", rekey)
end

local function data(tvb, t, fend)
  local proto, dglen = tvb(6, 1):uint(), tvb(8, 2):uint()
  local padlen, dlen = tvb(10, 1):uint(), tvb(11, 1):uint()
  t:add(f.dproto, tvb(6, 1))
  local ft = t:add(f.dflags, tvb(7, 1))
  ft:add(f.dphase, tvb(7, 1))
  t:add(f.dglen, tvb(8, 2))
  t:add(f.padlen, tvb(10, 1))
  t:add(f.digestlen, tvb(11, 1))
  if 12 + dlen + dglen + padlen ~= fend then
    t:add_proto_expert_info(e_bad, "length is not 12 + digest + datagram + padding")
    return "DATA (bad length)"
  end
  t:add(f.digest, tvb(12, dlen))
  if dglen + padlen > 0 then t:add(f.cipher, tvb(12 + dlen, dglen + padlen)) end
  if proto == 0 then return "DATA keepalive" end
  return string.format("DATA %s, %d bytes", data_protos[proto] or "?", dglen)
end

local function close(tvb, t, fend)
  local status, flags = tvb(6, 2):uint(), tvb(8, 1):uint()
  local dlen, infolen = tvb(9, 1):uint(), tvb(14, 2):uint()
  t:add(f.status, tvb(6, 2))
  local ft = t:add(f.cflags, tvb(8, 1))
  ft:add(f.cauth, tvb(8, 1))
  ft:add(f.cphase, tvb(8, 1))
  t:add(f.digestlen, tvb(9, 1))
  t:add(f.retry, tvb(10, 4))
  t:add(f.infolen, tvb(14, 2))
  if 16 + infolen + dlen ~= fend then
    t:add_proto_expert_info(e_bad, "length is not 16 + info + digest")
    return "CLOSE (bad length)"
  end
  if infolen > 0 then t:add(f.info, tvb(16, infolen)) end
  if dlen > 0 then t:add(f.digest, tvb(16 + infolen, dlen)) end
  return string.format("CLOSE %s%s", close_status[status] or tostring(status),
                       bit.band(flags, 1) ~= 0 and " (authenticated)" or "")
end

local by_type = { [1] = relay, [2] = request, [3] = response, [4] = data,
                  [5] = close }

local function frame_len(tvb, pinfo, offset)
  return tvb(offset, 4):uint()
end

local function one_frame(tvb, pinfo, tree)
  local len, ty, ver = tvb(0, 4):uint(), tvb(4, 1):uint(), tvb(5, 1):uint()
  local t = tree:add(ncg, tvb(0, len))
  t:add(f.length, tvb(0, 4))
  t:add(f.type, tvb(4, 1))
  t:add(f.version, tvb(5, 1))
  local summary
  if ver ~= 1 or not by_type[ty] or len < FIXED[ty] then
    t:add_proto_expert_info(e_bad, "bad header (version, type or length)")
    summary = string.format("type %d version %d (malformed)", ty, ver)
  else
    summary = by_type[ty](tvb(0, len):tvb(), t, len)
  end
  t:append_text(", " .. summary)
  pinfo.cols.protocol = "NCGTUN"
  local col = tostring(pinfo.cols.info)
  if col:find("^NCGTUN ") then
    pinfo.cols.info:append("; " .. summary)
  else
    pinfo.cols.info = "NCGTUN " .. summary
  end
  return len
end

function ncg.dissector(tvb, pinfo, tree)
  -- A length below the header would stall reassembly: dissect what is
  -- there as malformed instead.
  if tvb:len() >= 4 and tvb(0, 4):uint() < HDR then
    local t = tree:add(ncg, tvb())
    t:add_proto_expert_info(e_bad, "length below the 6-byte header")
    return tvb:len()
  end
  dissect_tcp_pdus(tvb, tree, HDR, frame_len, one_frame, true)
  return tvb:len()
end

local tcp_port = DissectorTable.get("tcp.port")
local current_port = 0
local function register_port()
  if current_port ~= 0 then tcp_port:remove(current_port, ncg) end
  current_port = ncg.prefs.port
  if current_port ~= 0 then tcp_port:add(current_port, ncg) end
end
ncg.prefs_changed = register_port
register_port()
