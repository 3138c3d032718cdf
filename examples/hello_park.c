/* hello_park: the library end to end on one page. Open a park on the embedded default, put a
 * ticket on sale as the host, sign a visitor up and log in, order and pay, print what happened,
 * free everything. docs/getting-started.md walks through it. */
#include <fantasy/fantasy.h>
#include <stdio.h>

/* Every call returns a status; on failure the thread's message says what went wrong. */
#define CHECK(call)                                                                \
    do {                                                                           \
        fantasy_status st_ = (call);                                               \
        if (st_ != FANTASY_OK) {                                                   \
            (void)fprintf(stderr, "%s: %s: %s\n", #call, fantasy_status_code(st_), \
                          fantasy_error_last());                                   \
            goto done;                                                             \
        }                                                                          \
    } while (0)

int main(void) {
    int rc = 1;
    fantasy_park *park = NULL;
    fantasy_product *draft = NULL, *product = NULL;
    fantasy_user *user = NULL;
    fantasy_tokens *tokens = NULL;
    fantasy_order *order = NULL, *paid = NULL;
    char *stats = NULL;
    fantasy_actor visitor;

    CHECK(fantasy_park_open(NULL, &park)); /* NULL conf: memory store, sandbox payments */
    const fantasy_actor *host = fantasy_actor_system();
    fantasy_product_new pass = { .name = "Day pass",
                                 .type = "TICKET",
                                 .stock = 100,
                                 .price = { .amount_minor = 59000, .currency = "KRW" } };
    CHECK(fantasy_products_create(park, host, &pass, &draft));
    CHECK(fantasy_products_open(park, host, draft->product_id, &product));

    fantasy_account_new signup = { .username = "alice", .password = "correct horse battery" };
    CHECK(fantasy_accounts_signup(park, NULL, &signup, &user));
    CHECK(fantasy_accounts_login(park, NULL, "alice", "correct horse battery", &tokens, NULL));
    CHECK(fantasy_auth_verify(park, tokens->access_token, &visitor)); /* token → caller */

    CHECK(fantasy_orders_create(park, &visitor, product->product_id, 2, "cart-1", &order));
    CHECK(fantasy_orders_pay(park, &visitor, order->order_id, "sandbox-key-1", &order->amount,
                             &paid));
    printf("%s bought %lld x %s for %lld %s: order %s, %zu tickets\n", user->username,
           (long long)paid->quantity, product->name, (long long)paid->amount.amount_minor,
           paid->amount.currency, paid->status, paid->n_tickets);

    CHECK(fantasy_call_system(park, "park.stats", NULL, &stats)); /* the JSON surface */
    printf("%s\n", stats);
    rc = 0;
done:
    fantasy_free(stats);
    fantasy_order_free(paid);
    fantasy_order_free(order);
    fantasy_tokens_free(tokens);
    fantasy_user_free(user);
    fantasy_product_free(product);
    fantasy_product_free(draft);
    fantasy_park_close(park);
    return rc;
}
