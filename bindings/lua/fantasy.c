/* The `fantasy` Lua 5.4 module: a thin binding of the park handle and the JSON surface.
 * Arguments and results are JSON strings (Lua has no JSON library by default). Expected failures
 * return nil, message, code, status; error() is raised only for arguments of the wrong type. */
#include <fantasy/fantasy.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#define PARK_MT "fantasy.park"

/* The library cuts its messages at 511 bytes; room to spare. */
#define MESSAGE_MAX 1024

LUAMOD_API int luaopen_fantasy(lua_State *lua);

typedef struct park_box {
    fantasy_park *park; /* NULL once closed */
} park_box;

/* A failure's message lives only until this thread's next fantasy_ call: copy it at once. */
typedef struct failure {
    fantasy_status status;
    char message[MESSAGE_MAX];
} failure;

static void failure_take(failure *f, fantasy_status status) {
    f->status = status;
    (void)snprintf(f->message, sizeof f->message, "%s", fantasy_error_last());
}

static int push_failure(lua_State *lua, const failure *f) {
    lua_pushnil(lua);
    lua_pushstring(lua, f->message);
    lua_pushstring(lua, fantasy_status_code(f->status));
    lua_pushinteger(lua, f->status);
    return 4;
}

static const char *check_cstring(lua_State *lua, int arg) {
    size_t len = 0;
    const char *s = luaL_checklstring(lua, arg, &len);
    luaL_argcheck(lua, strlen(s) == len, arg, "contains a NUL character");
    return s;
}

static const char *opt_cstring(lua_State *lua, int arg) {
    return lua_isnoneornil(lua, arg) ? NULL : check_cstring(lua, arg);
}

static int push_text_unprotected(lua_State *lua) {
    lua_pushstring(lua, (const char *)lua_touserdata(lua, 1));
    return 1;
}

/* Push a library-owned string and free it, even when Lua runs out of memory while copying. */
static void push_owned(lua_State *lua, char *text) {
    luaL_checkstack(lua, 3, NULL); /* before owning anything: may raise */
    lua_pushcfunction(lua, push_text_unprotected);
    lua_pushlightuserdata(lua, text);
    int rc = lua_pcall(lua, 1, 1, 0);
    fantasy_free(text);
    if (rc != LUA_OK) {
        lua_error(lua);
    }
}

/* First pass over the conf table: every Lua error happens here, before a conf exists. */
static void check_conf_table(lua_State *lua, int idx) {
    lua_pushnil(lua);
    while (lua_next(lua, idx) != 0) {
        if (lua_type(lua, -2) != LUA_TSTRING) {
            luaL_error(lua, "conf keys must be strings, got %s", luaL_typename(lua, -2));
        }
        const char *key = lua_tostring(lua, -2);
        size_t len = 0;
        const char *value = lua_type(lua, -1) == LUA_TSTRING ? lua_tolstring(lua, -1, &len) : NULL;
        if (!value && !lua_isinteger(lua, -1)) {
            luaL_error(lua, "conf value of '%s' must be a string or an integer, got %s", key,
                       luaL_typename(lua, -1));
        }
        if (value && strlen(value) != len) {
            luaL_error(lua, "conf value of '%s' contains a NUL character", key);
        }
        lua_pop(lua, 1);
    }
}

/* Second pass: no Lua call here can raise, so the conf cannot leak. */
static fantasy_status fill_conf(lua_State *lua, int idx, fantasy_conf *conf) {
    fantasy_status st = FANTASY_OK;
    lua_pushnil(lua);
    while (st == FANTASY_OK && lua_next(lua, idx) != 0) {
        char number[32];
        const char *value = number;
        if (lua_type(lua, -1) == LUA_TSTRING) {
            value = lua_tostring(lua, -1);
        } else {
            (void)snprintf(number, sizeof number, LUA_INTEGER_FMT,
                           (LUAI_UACINT)lua_tointeger(lua, -1));
        }
        st = fantasy_conf_set(conf, lua_tostring(lua, -2), value);
        lua_pop(lua, 1);
    }
    if (st != FANTASY_OK) {
        lua_pop(lua, 1); /* the key lua_next left when the loop stopped early */
    }
    return st;
}

static fantasy_status open_park(lua_State *lua, int conf_idx, fantasy_park **out, failure *f) {
    fantasy_conf *conf = NULL;
    fantasy_status st = FANTASY_OK;
    if (conf_idx) {
        conf = fantasy_conf_new();
        if (!conf) {
            f->status = FANTASY_ENOMEM;
            (void)snprintf(f->message, sizeof f->message, "fantasy_conf_new: out of memory");
            return FANTASY_ENOMEM;
        }
        st = fill_conf(lua, conf_idx, conf);
    }
    if (st == FANTASY_OK) {
        st = fantasy_park_open(conf, out);
    }
    if (st != FANTASY_OK) {
        failure_take(f, st);
    }
    fantasy_conf_free(conf); /* open copied it */
    return st;
}

/* fantasy.open([conf]) -> park | nil, message, code, status */
static int l_open(lua_State *lua) {
    int conf_idx = 0;
    if (!lua_isnoneornil(lua, 1)) {
        luaL_checktype(lua, 1, LUA_TTABLE);
        check_conf_table(lua, 1);
        conf_idx = 1;
    }
    /* The box exists before the park, so no allocation can fail while a park is unowned. */
    park_box *box = lua_newuserdatauv(lua, sizeof *box, 0);
    box->park = NULL;
    luaL_setmetatable(lua, PARK_MT);
    failure f;
    if (open_park(lua, conf_idx, &box->park, &f) != FANTASY_OK) {
        return push_failure(lua, &f);
    }
    return 1;
}

static park_box *check_box(lua_State *lua) {
    return luaL_checkudata(lua, 1, PARK_MT);
}

/* __gc, __close and park:close() share it: closing twice is a no-op. */
static int l_close(lua_State *lua) {
    park_box *box = check_box(lua);
    fantasy_park *park = box->park;
    box->park = NULL;
    fantasy_park_close(park);
    return 0;
}

static int finish_call(lua_State *lua, fantasy_status st, char *result) {
    if (st != FANTASY_OK) {
        failure f;
        failure_take(&f, st);
        fantasy_free(result);
        return push_failure(lua, &f);
    }
    push_owned(lua, result);
    return 1;
}

/* park:call(method, [args_json], [token]) -> result_json | nil, message, code, status.
 * A closed park is passed on as NULL: the library answers MISUSE like any expected failure. */
static int l_call(lua_State *lua) {
    park_box *box = check_box(lua);
    const char *method = check_cstring(lua, 2);
    const char *args = opt_cstring(lua, 3);
    const char *token = opt_cstring(lua, 4);
    char *result = NULL;
    fantasy_status st = fantasy_call(box->park, method, args, token, &result);
    return finish_call(lua, st, result);
}

/* park:call_system(method, [args_json]) -> result_json | nil, message, code, status */
static int l_call_system(lua_State *lua) {
    park_box *box = check_box(lua);
    const char *method = check_cstring(lua, 2);
    const char *args = opt_cstring(lua, 3);
    char *result = NULL;
    fantasy_status st = fantasy_call_system(box->park, method, args, &result);
    return finish_call(lua, st, result);
}

/* park:run_due() -> counts_json (park.run_due) */
static int l_run_due(lua_State *lua) {
    park_box *box = check_box(lua);
    char *result = NULL;
    fantasy_status st = fantasy_call_system(box->park, "park.run_due", NULL, &result);
    return finish_call(lua, st, result);
}

/* park:advance_clock(ms) -> '{"now":...}' (park.advance_clock) */
static int l_advance_clock(lua_State *lua) {
    park_box *box = check_box(lua);
    lua_Integer ms = luaL_checkinteger(lua, 2);
    char args[48];
    (void)snprintf(args, sizeof args, "{\"ms\":" LUA_INTEGER_FMT "}", (LUAI_UACINT)ms);
    char *result = NULL;
    fantasy_status st = fantasy_call_system(box->park, "park.advance_clock", args, &result);
    return finish_call(lua, st, result);
}

static int l_closed(lua_State *lua) {
    lua_pushboolean(lua, check_box(lua)->park == NULL);
    return 1;
}

static int l_tostring(lua_State *lua) {
    lua_pushfstring(lua, "fantasy.park (%s)", check_box(lua)->park ? "open" : "closed");
    return 1;
}

static int l_version(lua_State *lua) {
    lua_pushstring(lua, fantasy_version());
    return 1;
}

static const luaL_Reg park_methods[] = {
    { "call", l_call },       { "call_system", l_call_system },
    { "run_due", l_run_due }, { "advance_clock", l_advance_clock },
    { "close", l_close },     { "closed", l_closed },
    { NULL, NULL },
};

static const luaL_Reg park_meta[] = {
    { "__gc", l_close },
    { "__close", l_close },
    { "__tostring", l_tostring },
    { NULL, NULL },
};

static const luaL_Reg module_functions[] = {
    { "open", l_open },
    { "version", l_version },
    { NULL, NULL },
};

LUAMOD_API int luaopen_fantasy(lua_State *lua) {
    luaL_newmetatable(lua, PARK_MT);
    luaL_setfuncs(lua, park_meta, 0);
    luaL_newlib(lua, park_methods);
    lua_setfield(lua, -2, "__index");
    lua_pop(lua, 1);
    luaL_newlib(lua, module_functions);
    return 1;
}
