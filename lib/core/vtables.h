/* Checks the conf setters run on injected vtables: version in range, required methods set. */
#ifndef FANTASY_CORE_VTABLES_H
#define FANTASY_CORE_VTABLES_H

#include "fantasy/backend.h"

fantasy_status fantasy__check_record_store(const fantasy_record_store *vt);
fantasy_status fantasy__check_stock_store(const fantasy_stock_store *vt);
fantasy_status fantasy__check_queue_store(const fantasy_queue_store *vt);
fantasy_status fantasy__check_bus(const fantasy_bus *vt);
fantasy_status fantasy__check_payment_provider(const fantasy_payment_provider *vt);
fantasy_status fantasy__check_clock(const fantasy_clock *vt);
fantasy_status fantasy__check_http_transport(const fantasy_http_transport *vt);

#endif
