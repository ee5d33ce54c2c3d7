/// The format tags of the reference tool's documents, which the state tests write and read.
let configFormat = "tandem.config/1"
let credentialsFormat = "tandem.credentials/1"
