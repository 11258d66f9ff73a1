-- Locks the Lua globals as Redis 7.0 does, with proxies instead of Redis's
-- patched readonly tables. Runs once, when an engine is built. Arguments
-- are Rust functions (register_function only for the functions engine);
-- returns the table holding the real globals (where EVAL's KEYS and ARGV
-- live), the original xpcall (scripts run under it), the metatable of
-- _G (whose __index the functions engine points at the library API while
-- FUNCTION LOAD runs), that API, and the FCALL runner.
local readonly_newindex, readonly_error, missing_global, fix_error, error_object, register_function = ...

local G = _G
local next, type, rawset, rawget, setmetatable, getmetatable, pcall, xpcall, ipairs, pairs, loadstring, load =
    next, type, rawset, rawget, setmetatable, getmetatable, pcall, xpcall, ipairs, pairs, loadstring, load
local byte = string.byte
local insert, remove, sort, setn = table.insert, table.remove, table.sort, table.setn

-- proxy -> the table it stands for; proxy -> what getmetatable shows.
local backing = setmetatable({}, { __mode = "k" })
local shown_meta = setmetatable({}, { __mode = "k" })

local function proxy(t)
    local p = {}
    setmetatable(p, { __index = t, __newindex = readonly_newindex })
    backing[p] = t
    return p
end

-- Redis's pcall turns error tables into their message.
local function pcall_result(ok, ...)
    if ok then
        return ok, ...
    end
    return false, fix_error((...))
end
G.pcall = function(...)
    return pcall_result(pcall(...))
end
G.xpcall = function(f, handler)
    return xpcall(f, function(e)
        return handler(error_object(e))
    end)
end

-- Bytecode cannot be loaded (Redis compiles text only).
G.loadstring = function(s, name)
    if type(s) == "string" and byte(s, 1) == 27 then
        return nil, "binary chunks are not allowed"
    end
    return loadstring(s, name)
end
G.load = function(reader, name)
    local first = true
    return load(function()
        local piece = reader()
        if first and type(piece) == "string" and piece ~= "" then
            first = false
            if byte(piece, 1) == 27 then
                error("binary chunks are not allowed", 0)
            end
        end
        return piece
    end, name)
end

-- Functions that write tables refuse readonly ones.
G.rawset = function(t, k, v)
    if backing[t] then
        readonly_error()
    end
    return (rawset(t, k, v))
end
G.setmetatable = function(t, mt)
    if backing[t] then
        readonly_error()
    end
    return (setmetatable(t, mt))
end
G.getmetatable = function(t)
    if backing[t] then
        return shown_meta[t]
    end
    return (getmetatable(t))
end
G.rawget = function(t, k)
    return (rawget(backing[t] or t, k))
end
local function proxy_next(t, k)
    return next(backing[t] or t, k)
end
G.next = proxy_next
G.pairs = function(t)
    if backing[t] then
        return proxy_next, t, nil
    end
    return pairs(t)
end
G.ipairs = function(t)
    local b = backing[t]
    if b then
        return function(_, i)
            i = i + 1
            local v = rawget(b, i)
            if v ~= nil then
                return i, v
            end
        end, t, 0
    end
    return ipairs(t)
end
local tbl = G.table
tbl.insert = function(t, ...)
    if backing[t] then
        readonly_error()
    end
    return insert(t, ...)
end
tbl.remove = function(t, ...)
    if backing[t] then
        readonly_error()
    end
    return remove(t, ...)
end
tbl.sort = function(t, ...)
    if backing[t] then
        readonly_error()
    end
    return sort(t, ...)
end
tbl.setn = function(t, ...)
    if backing[t] then
        readonly_error()
    end
    return setn(t, ...)
end

-- EVAL's error handler is a global too (scripts can see it).
if not register_function then
    G.__redis__err__handler = function(err)
        if type(err) ~= "table" then
            err = { err = "ERR " .. tostring(err) }
        end
        return err
    end
end

-- What a library sees while FUNCTION LOAD runs it: only redis.register_function,
-- redis.log and its levels, and the version.
local library_api
if register_function then
    local r = G.redis
    local api_redis = { register_function = register_function, log = r.log, REDIS_VERSION = r.REDIS_VERSION,
        REDIS_VERSION_NUM = r.REDIS_VERSION_NUM, LOG_DEBUG = r.LOG_DEBUG, LOG_VERBOSE = r.LOG_VERBOSE,
        LOG_NOTICE = r.LOG_NOTICE, LOG_WARNING = r.LOG_WARNING }
    setmetatable(api_redis, { __index = missing_global })
    library_api = { redis = proxy(api_redis) }
    setmetatable(library_api, { __index = missing_global })
end

-- Move every global into the backing table and lock the libraries.
local H = {}
local names = {}
for k, v in next, G do
    H[k] = v
    names[#names + 1] = k
end
for _, k in ipairs(names) do
    rawset(G, k, nil)
end
for _, lib in ipairs({ "string", "table", "math", "coroutine", "cjson", "cmsgpack", "bit", "struct", "redis" }) do
    H[lib] = proxy(H[lib])
end
getmetatable("").__index = H.string
H._G = G
setmetatable(H, { __index = missing_global })
local gmeta = { __index = H, __newindex = readonly_newindex }
setmetatable(G, gmeta)
backing[G] = H
shown_meta[G] = proxy(gmeta)

-- FCALL: the function gets KEYS and ARGV as arguments (a tail call, so
-- the function's own frame is where errors point).
local cb_, keys_, argv_
local function call_function()
    local cb, keys, argv = cb_, keys_, argv_
    cb_, keys_, argv_ = nil, nil, nil
    return cb(keys, argv)
end
local function fcall(cb, keys, argv, handler)
    cb_, keys_, argv_ = cb, keys, argv
    return xpcall(call_function, handler)
end

return H, xpcall, gmeta, library_api, fcall
