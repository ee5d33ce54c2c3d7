/// The profiles tandem ships (docs/profiles.md says what was checked for each, and why
/// credentials are copied or shared).
enum ShippedProfiles {
  static let all: [ToolProfile] = [git, gh, kubectl, aws, gcloud, az, docker, npm, terraform]

  /// Any other tool: its XDG directories, seeded with its own subdirectory of each.
  static func generic(_ tool: String) -> ToolProfile {
    ToolProfile(
      name: tool, summary: "any tool that follows the XDG Base Directory specification",
      locations: [
        .init(
          variable: "XDG_CONFIG_HOME", kind: .directory, name: "config",
          seedFrom: ["$XDG_CONFIG_HOME/\(tool)", "~/.config/\(tool)"], seedInto: tool),
        .init(variable: "XDG_STATE_HOME", kind: .directory, name: "state", seedFrom: []),
        .init(variable: "XDG_CACHE_HOME", kind: .directory, name: "cache", seedFrom: []),
      ],
      checked: "XDG Base Directory Specification 0.8: XDG_CONFIG_HOME, XDG_STATE_HOME, XDG_CACHE_HOME")
  }

  static let git = ToolProfile(
    name: "git", summary: "git's global configuration (git config --global)",
    locations: [
      .init(
        variable: "GIT_CONFIG_GLOBAL", kind: .file, name: "gitconfig",
        seedFrom: ["~/.gitconfig", "$XDG_CONFIG_HOME/git/config", "~/.config/git/config"])
    ],
    checked: "git-config(1): GIT_CONFIG_GLOBAL replaces ~/.gitconfig and $XDG_CONFIG_HOME/git/config")

  static let gh = ToolProfile(
    name: "gh", summary: "the GitHub CLI's configuration and hosts",
    locations: [
      .init(
        variable: "GH_CONFIG_DIR", kind: .directory, name: "gh",
        seedFrom: ["$GH_CONFIG_DIR", "$XDG_CONFIG_HOME/gh", "~/.config/gh"])
    ],
    checked: "gh help environment: GH_CONFIG_DIR is the directory of config.yml and hosts.yml")

  static let kubectl = ToolProfile(
    name: "kubectl", summary: "the kubeconfig (current context, namespaces)",
    locations: [
      .init(
        variable: "KUBECONFIG", kind: .file, name: "kubeconfig", seedFrom: ["$KUBECONFIG", "~/.kube/config"])
    ],
    checked: "kubectl config --help: KUBECONFIG names the file; the default is ~/.kube/config")

  static let aws = ToolProfile(
    name: "aws", summary: "the AWS CLI's profiles; its credentials file stays the user's",
    locations: [
      .init(
        variable: "AWS_CONFIG_FILE", kind: .file, name: "config",
        seedFrom: ["$AWS_CONFIG_FILE", "~/.aws/config"]),
      .init(
        variable: "AWS_SHARED_CREDENTIALS_FILE", kind: .file, name: "credentials",
        seedFrom: ["$AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"], shared: true),
    ],
    checked:
      "AWS CLI user guide, environment variables: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE")

  static let gcloud = ToolProfile(
    name: "gcloud", summary: "the Google Cloud CLI's configurations; its credential stores stay the user's",
    locations: [
      .init(
        variable: "CLOUDSDK_CONFIG", kind: .directory, name: "gcloud",
        seedFrom: ["$CLOUDSDK_CONFIG", "~/.config/gcloud"],
        sharedEntries: [
          "credentials.db", "access_tokens.db", "legacy_credentials", "application_default_credentials.json",
        ])
    ],
    checked: "gcloud topic configurations: CLOUDSDK_CONFIG is the configuration directory (~/.config/gcloud)")

  static let az = ToolProfile(
    name: "az", summary: "the Azure CLI's configuration; its MSAL token cache stays the user's",
    locations: [
      .init(
        variable: "AZURE_CONFIG_DIR", kind: .directory, name: "azure",
        seedFrom: ["$AZURE_CONFIG_DIR", "~/.azure"],
        sharedEntries: [
          "msal_token_cache.json", "msal_token_cache.bin", "msal_http_cache.bin",
          "service_principal_entries.json", "service_principal_entries.bin",
        ])
    ],
    checked: "Azure CLI configuration docs: AZURE_CONFIG_DIR is the configuration directory (~/.azure)")

  static let docker = ToolProfile(
    name: "docker", summary: "the Docker client's configuration (contexts, auths)",
    locations: [
      .init(
        variable: "DOCKER_CONFIG", kind: .directory, name: "docker",
        seedFrom: ["$DOCKER_CONFIG", "~/.docker"])
    ],
    checked:
      "docker CLI reference, environment variables: DOCKER_CONFIG is the client configuration's directory")

  static let npm = ToolProfile(
    name: "npm", summary: "npm's user configuration (.npmrc)",
    locations: [
      .init(
        variable: "NPM_CONFIG_USERCONFIG", kind: .file, name: "npmrc",
        seedFrom: ["$NPM_CONFIG_USERCONFIG", "~/.npmrc"])
    ],
    checked: "npm docs, config: NPM_CONFIG_USERCONFIG (the userconfig setting) names the user .npmrc")

  static let terraform = ToolProfile(
    name: "terraform", summary: "Terraform's CLI configuration file",
    locations: [
      .init(
        variable: "TF_CLI_CONFIG_FILE", kind: .file, name: "terraformrc",
        seedFrom: ["$TF_CLI_CONFIG_FILE", "~/.terraformrc"])
    ],
    checked: "Terraform CLI configuration docs: TF_CLI_CONFIG_FILE names the CLI configuration file")
}
