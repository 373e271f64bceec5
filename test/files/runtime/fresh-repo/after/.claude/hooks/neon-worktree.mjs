#!/usr/bin/env node
// the runtime (a stand-in: its bytes are the runtime unit's business only)
