/* Token issue, verification and rotation (JWT claims of API.md), and sessions on the account. */
#ifndef FANTASY_DOMAIN_ACCOUNTS_TOKENS_H
#define FANTASY_DOMAIN_ACCOUNTS_TOKENS_H

#include "fantasy/accounts.h"

#include "domain/accounts/account.h"

/* What a new session needs, made before a compare-and-set loop so retries reuse it. */
typedef struct fantasy__session_plan {
    char sid[FANTASY_ID_MAX];
    char jti[FANTASY_ID_MAX];
    int64_t now_ms;
    int64_t refresh_exp_s;
} fantasy__session_plan;

/* Fresh ids and times for a session starting now. */
fantasy_status fantasy__session_plan_make(fantasy_park *park, fantasy__session_plan *plan);

/* Add the planned session to `a`, dropping expired sessions and, beyond the maximum, the
 * oldest. */
void fantasy__session_open(fantasy__account *a, const fantasy__session_plan *plan);

/* Sign the access and refresh tokens of `a`'s session `plan` (after it was written). */
fantasy_status fantasy__tokens_sign(fantasy_park *park, const fantasy__account *a,
                                    const fantasy__session_plan *plan, fantasy_tokens *out);

/* accounts.refresh: rotate `refresh_token` into a new pair (see account.h on reuse). */
fantasy_status fantasy__tokens_refresh(fantasy_park *park, const char *refresh_token,
                                       fantasy_tokens *out);

/* The {access_token, refresh_token, access_expires_at, refresh_expires_at} object. */
fantasy_status fantasy__tokens_json(const fantasy_tokens *t, cJSON *into);

#endif
