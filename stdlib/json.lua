--- json: encode Lua values as JSON text and decode JSON text.
---
--- Encoding is deterministic: object keys are sorted, so the same table
--- always gives the same text (diffable output, stable tests). A table
--- whose keys are exactly 1..n is an array; an empty table is {} unless it
--- is json.array (an empty marker) or made with json.as_array(t).
--- Integers print without a fraction; NaN and infinities, which JSON
--- cannot hold, are an error. Decoding turns null into json.null.
---
---   local json = require("json")
---   json.encode({pid = 42, argv = {"ls", "-l"}})  --> {"argv":["ls","-l"],"pid":42}
---   json.decode('{"a":[1,2,null]}').a[3] == json.null  --> true
local M = {}

--- The value decoded JSON null becomes (and that encodes as null).
M.null = setmetatable({}, {__tostring = function() return "null" end})

local arrays = setmetatable({}, {__mode = "k"})

--- Marks t to encode as a JSON array even when empty; returns t.
function M.as_array(t)
  arrays[t] = true
  return t
end

--- An empty array marker: json.encode(json.array) is "[]".
M.array = M.as_array({})

local escapes = {['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t"}

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function is_array(t)
  if arrays[t] then return true end
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  if n == 0 then return false end
  for i = 1, n do
    if t[i] == nil then return false end
  end
  return true
end

local encode

local function encode_table(t, seen, out)
  if seen[t] then error("json.encode: a table contains itself", 0) end
  seen[t] = true
  if is_array(t) then
    out[#out + 1] = "["
    for i = 1, #t do
      if i > 1 then out[#out + 1] = "," end
      encode(t[i], seen, out)
    end
    out[#out + 1] = "]"
  else
    local keys = {}
    for k in pairs(t) do
      local kt = type(k)
      if kt ~= "string" and kt ~= "number" then
        error("json.encode: object keys must be strings or numbers, got " .. kt, 0)
      end
      keys[#keys + 1] = tostring(k)
    end
    table.sort(keys)
    out[#out + 1] = "{"
    for i, k in ipairs(keys) do
      if i > 1 then out[#out + 1] = "," end
      local v = t[k]
      if v == nil then v = t[tonumber(k)] end
      out[#out + 1] = quote(k) .. ":"
      encode(v, seen, out)
    end
    out[#out + 1] = "}"
  end
  seen[t] = nil
end

encode = function(v, seen, out)
  local t = type(v)
  if v == nil or v == M.null then
    out[#out + 1] = "null"
  elseif t == "boolean" then
    out[#out + 1] = tostring(v)
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then
      error("json.encode: " .. tostring(v) .. " has no JSON form", 0)
    end
    if v == math.floor(v) and math.abs(v) < 2^53 then
      out[#out + 1] = string.format("%d", v)
    else
      -- The shortest of 14 or 17 digits that reads back as the same number.
      local short = string.format("%.14g", v)
      out[#out + 1] = tonumber(short) == v and short or string.format("%.17g", v)
    end
  elseif t == "string" then
    out[#out + 1] = quote(v)
  elseif t == "table" then
    encode_table(v, seen, out)
  else
    out[#out + 1] = quote(tostring(v))
  end
end

--- JSON text of v (tables, strings, numbers, booleans, nil/json.null;
--- anything else, such as a stack or u64 value, as its tostring text).
function M.encode(v)
  local out = {}
  encode(v, {}, out)
  return table.concat(out)
end

-- Decoder: a recursive descent over the text; pos is the next byte.

local function decode_error(s, pos, what)
  error(string.format("json.decode: %s at byte %d", what, pos), 0)
end

local function skip(s, pos)
  return s:find("[^ \t\r\n]", pos) or #s + 1
end

local function utf8(cp)
  if cp < 0x80 then return string.char(cp) end
  if cp < 0x800 then
    return string.char(0xC0 + math.floor(cp / 0x40), 0x80 + cp % 0x40)
  end
  if cp < 0x10000 then
    return string.char(0xE0 + math.floor(cp / 0x1000), 0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
  end
  return string.char(0xF0 + math.floor(cp / 0x40000), 0x80 + math.floor(cp / 0x1000) % 0x40,
    0x80 + math.floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
end

local unescapes = {['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t"}

local function decode_string(s, pos)
  local out, i = {}, pos + 1
  while true do
    local j = s:find('["\\%c]', i)
    if not j then decode_error(s, pos, "unterminated string") end
    out[#out + 1] = s:sub(i, j - 1)
    local c = s:sub(j, j)
    if c == '"' then return table.concat(out), j + 1 end
    if c ~= "\\" then decode_error(s, j, "control character in string") end
    local e = s:sub(j + 1, j + 1)
    if e == "u" then
      local hexd = s:sub(j + 2, j + 5)
      if not hexd:match("^%x%x%x%x$") then decode_error(s, j, "bad \\u escape") end
      local cp = tonumber(hexd, 16)
      i = j + 6
      -- A UTF-16 surrogate pair encodes one code point above U+FFFF.
      if cp >= 0xD800 and cp <= 0xDBFF and s:sub(i, i + 1) == "\\u" then
        local lo = tonumber(s:sub(i + 2, i + 5), 16)
        if lo and lo >= 0xDC00 and lo <= 0xDFFF then
          cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
          i = i + 6
        end
      end
      out[#out + 1] = utf8(cp)
    elseif unescapes[e] then
      out[#out + 1] = unescapes[e]
      i = j + 2
    else
      decode_error(s, j, "bad escape \\" .. e)
    end
  end
end

local decode_value

local function decode_list(s, pos, close, item)
  pos = skip(s, pos + 1)
  if s:sub(pos, pos) == close then return pos + 1 end
  while true do
    pos = item(skip(s, pos))
    pos = skip(s, pos)
    local c = s:sub(pos, pos)
    if c == close then return pos + 1 end
    if c ~= "," then decode_error(s, pos, "expected ',' or '" .. close .. "'") end
    pos = pos + 1
  end
end

decode_value = function(s, pos)
  pos = skip(s, pos)
  local c = s:sub(pos, pos)
  if c == "{" then
    local obj = {}
    pos = decode_list(s, pos, "}", function(p)
      if s:sub(p, p) ~= '"' then decode_error(s, p, "expected a string key") end
      local k
      k, p = decode_string(s, p)
      p = skip(s, p)
      if s:sub(p, p) ~= ":" then decode_error(s, p, "expected ':'") end
      obj[k], p = decode_value(s, p + 1)
      return p
    end)
    return obj, pos
  elseif c == "[" then
    local arr = M.as_array({})
    pos = decode_list(s, pos, "]", function(p)
      local v
      v, p = decode_value(s, p)
      arr[#arr + 1] = v
      return p
    end)
    return arr, pos
  elseif c == '"' then
    return decode_string(s, pos)
  end
  local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
  if num and num ~= "" and num ~= "-" then
    -- gopher-lua's tonumber does not read exponents: apply it here.
    local mant, exp = num:match("^([^eE]*)[eE]?(.*)$")
    local v = tonumber(mant)
    if exp ~= "" then
      local e = tonumber((exp:gsub("^%+", "")))
      if e == nil or v == nil then decode_error(s, pos, "bad number") end
      v = v * 10 ^ e
    end
    if v == nil then decode_error(s, pos, "bad number") end
    return v, pos + #num
  end
  for word, v in pairs({["true"] = true, ["false"] = false, null = M.null}) do
    if s:sub(pos, pos + #word - 1) == word then return v, pos + #word end
  end
  decode_error(s, pos, pos > #s and "unexpected end of text" or "unexpected '" .. c .. "'")
end

--- The Lua value of JSON text s. Raises "json.decode: WHAT at byte N" on
--- malformed text.
function M.decode(s)
  if type(s) ~= "string" then error("json.decode expects a string, got " .. type(s), 3) end
  local v, pos = decode_value(s, 1)
  pos = skip(s, pos)
  if pos <= #s then decode_error(s, pos, "text after the value") end
  return v
end

return M
