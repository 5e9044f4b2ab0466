/* SPDX-License-Identifier: MIT */
/* TIPC_API marks exported symbols; the library is built with -fvisibility=hidden. */
#ifndef TRADEIPC_EXPORT_H
#define TRADEIPC_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define TIPC_API __attribute__((visibility("default")))
#define TIPC_NODISCARD __attribute__((warn_unused_result))
#define TIPC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define TIPC_API
#define TIPC_NODISCARD
#define TIPC_PRINTF(fmt, args)
#endif

#ifdef __cplusplus
#define TIPC_BEGIN_DECLS extern "C" {
#define TIPC_END_DECLS }
#else
#define TIPC_BEGIN_DECLS
#define TIPC_END_DECLS
#endif

#endif
