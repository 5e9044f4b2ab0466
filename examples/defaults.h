/* SPDX-License-Identifier: MIT */
/* Defaults shared by the example programs, so no program repeats a literal. */
#ifndef TIPC_EXAMPLES_DEFAULTS_H
#define TIPC_EXAMPLES_DEFAULTS_H

#define DEFAULT_GATEWAY_ADDR "127.0.0.1:7101"
#define DEFAULT_ORDERS_ADDR "127.0.0.1:7102"
#define DEFAULT_PRICE_BOOK "/tradeipc_prices"
#define DEFAULT_NEWS_BOOK "/tradeipc_news"
#define DEFAULT_BOOK_CAPACITY 1024
#define DEFAULT_ORDER_LOG "order_log.txt"
#define DEFAULT_PRICES_CSV "data/prices.csv"
#define DEFAULT_NEWS_CSV "data/sentiment.csv"
#define DEFAULT_REPORT_MS 1000
#define DEFAULT_SHORT_WINDOW 5
#define DEFAULT_LONG_WINDOW 20
#define DEFAULT_BUY_THRESHOLD 80
#define DEFAULT_SELL_THRESHOLD 20
#define DEFAULT_ORDER_QTY 100
#define DEFAULT_STRATEGY_NAME "strat"

#endif
