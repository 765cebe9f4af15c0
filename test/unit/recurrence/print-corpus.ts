// Prints the corpus's expansion as JSON: the expansion test runs it under other TZ values.
import { expandCorpus } from "./corpus.ts";

process.stdout.write(JSON.stringify(expandCorpus()));
