--- args: command-line options of scripts and tools, in the style of the
--- bcc tools (-p PID, -x, -T ...).
---
---   local args = require("args")
---   local o = args.parse(arg, { p = "number", x = "flag", n = "string" })
---   if o.x then ... end          -- -x given
---   local seconds = o[1]         -- first positional argument
---
--- -h prints the script's header comment (what it does, usage, example
--- output) and exits 0; a bad option stops the script with exit status 2.
local script = require("luatrace.script")

local M = {}

-- shown escapes control bytes, so a command line cannot write escape
-- sequences to the terminal through an error message.
local function shown(s)
  return (s:gsub("%c", function(c) return string.format("\\x%02x", c:byte()) end))
end

local function fail(name, msg)
  io.stderr:write(string.format("%s: %s; see %s -h\n", name, shown(msg), name))
  exit(2)
end

-- finite is tonumber(v) when v is a number other than nan or +-inf.
local function finite(v)
  local n = tonumber(v)
  if n == nil or n ~= n or n == math.huge or n == -math.huge then return nil end
  return n
end

-- convert checks v against kind; what names it in the error ("-p", "SECONDS").
local function convert(name, what, kind, v)
  if kind == "number" then
    local n = finite(v)
    if n == nil then fail(name, what .. " needs a number, got '" .. v .. "'") end
    return n
  elseif kind == "pid" then
    local n = finite(v)
    if n == nil or n < 1 or n ~= math.floor(n) then
      fail(name, what .. " needs a process id (a whole number from 1), got '" .. v .. "'")
    end
    return n
  end
  return v
end

-- checkPositional refuses positional arguments past the list of
-- {NAME, kind} pairs and converts the others by kind from raw, as given
-- (a "string" stays "1e3").
local function checkPositional(name, out, raw, list)
  local extra = out[#list + 1]
  if extra ~= nil then
    if #list == 0 then fail(name, "takes no positional argument, got '" .. tostring(extra) .. "'") end
    local names = {}
    for _, p in ipairs(list) do names[#names + 1] = p[1] end
    fail(name, "takes at most " .. #list .. " positional argument" .. (#list > 1 and "s" or "") .. " ("
      .. table.concat(names, " ") .. "), got '" .. tostring(extra) .. "' too")
  end
  for i, p in ipairs(list) do
    if raw[i] ~= nil then out[i] = convert(name, p[1], p[2], raw[i]) end
  end
end

-- isChoice reports whether v is one of an option's choices.
local function isChoice(choices, v)
  for _, c in ipairs(choices) do
    if c == v then return true end
  end
  return false
end

--- Parses argv (the script's arg table) by spec, a table of option letter
--- = "flag" | "number" | "pid" | "string" | a list of choices ("number" is
--- finite, "pid" a whole number from 1). Returns a table
--- with each given option's value (true for flags) under its letter and
--- the positional arguments at 1, 2, ... Option values may be attached
--- ("-p123") or separate ("-p 123"); flags combine ("-xT"); "--" ends the
--- options. An option with choices takes the next argument when it is one
--- of them, else the first choice ("-f" alone, "-f pprof"). Names longer
--- than a letter are long options, "--name value" or "--name=value"
--- (perf's "--call-graph dwarf"). Positional arguments that look like
--- numbers are numbers. positional, when given, lists the positional
--- arguments a script takes as {NAME, kind} pairs, e.g.
--- {{"SECONDS", "number"}}; more than listed, or one not of its kind, is
--- refused ({} takes none). Whether they are required is the script's
--- to check.
function M.parse(argv, spec, positional)
  local name = tostring(argv[0] or "script"):gsub("^.*/", ""):gsub("%.lua$", "")
  local out, raw, i, onlyPositional = {}, {}, 1, false
  while argv[i] ~= nil do
    local a = argv[i]
    if onlyPositional or a:sub(1, 1) ~= "-" or a == "-" then
      raw[#raw + 1] = a
      out[#raw] = finite(a) or a
    elseif a == "--" then
      onlyPositional = true
    elseif a == "-h" or a == "--help" then
      io.write(script.usage())
      exit(0)
    elseif a:sub(1, 2) == "--" then
      local long, v = a:sub(3), nil
      local eq = long:find("=", 1, true)
      if eq then long, v = long:sub(1, eq - 1), long:sub(eq + 1) end
      local kind = #long > 1 and spec[long] or nil
      if kind == nil then
        local hasLong = false
        for k in pairs(spec) do
          if type(k) == "string" and #k > 1 then hasLong = true end
        end
        fail(name, "unknown option --" .. long .. (hasLong and "" or " (options are single letters, e.g. -p PID)"))
      end
      if kind == "flag" then
        if v then fail(name, "--" .. long .. " takes no value") end
        out[long] = true
      else
        if v == nil then
          i = i + 1
          v = argv[i]
          if v == nil then fail(name, "--" .. long .. " needs a value") end
        end
        if type(kind) == "table" and not isChoice(kind, v) then
          fail(name, "--" .. long .. " takes " .. table.concat(kind, " or ") .. ", got '" .. v .. "'")
        end
        out[long] = convert(name, "--" .. long, kind, v)
      end
    else
      local j = 2
      while j <= #a do
        local letter = a:sub(j, j)
        local kind = spec[letter]
        if kind == nil then fail(name, "unknown option -" .. letter) end
        if kind == "flag" then
          out[letter] = true
          j = j + 1
        elseif type(kind) == "table" then
          local v = a:sub(j + 1)
          if v == "" then
            if argv[i + 1] ~= nil and isChoice(kind, argv[i + 1]) then
              i = i + 1
              v = argv[i]
            else
              v = kind[1]
            end
          elseif not isChoice(kind, v) then
            fail(name, "-" .. letter .. " takes " .. table.concat(kind, " or ") .. ", got '" .. v .. "'")
          end
          out[letter] = v
          break
        else
          local v = a:sub(j + 1)
          if v == "" then
            i = i + 1
            v = argv[i]
            if v == nil then fail(name, "-" .. letter .. " needs a value") end
          end
          out[letter] = convert(name, "-" .. letter, kind, v)
          break
        end
      end
    end
    i = i + 1
  end
  if positional then checkPositional(name, out, raw, positional) end
  return out
end

return M
