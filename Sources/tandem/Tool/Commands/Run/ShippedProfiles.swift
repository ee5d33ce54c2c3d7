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
      checked:
        "XDG Base Directory Specification 0.8 (specifications.freedesktop.org/basedir-spec/0.8): XDG_CONFIG_HOME, "
        + "XDG_STATE_HOME, XDG_CACHE_HOME are base directories, defaults $HOME/.config, $HOME/.local/state, $HOME/.cache"
    )
  }

  static let git = ToolProfile(
    name: "git", summary: "git's global configuration (git config --global)",
    locations: [
      .init(
        variable: "GIT_CONFIG_GLOBAL", kind: .file, name: "gitconfig",
        seedFrom: ["~/.gitconfig", "$XDG_CONFIG_HOME/git/config", "~/.config/git/config"])
    ],
    checked:
      "git-config(1) ENVIRONMENT and git commit 4179b48 (git 2.32): when GIT_CONFIG_GLOBAL is set, neither "
      + "~/.gitconfig nor $XDG_CONFIG_HOME/git/config (default ~/.config/git/config) is read; no credentials in it"
  )

  static let gh = ToolProfile(
    name: "gh", summary: "the GitHub CLI's configuration and hosts",
    locations: [
      .init(
        variable: "GH_CONFIG_DIR", kind: .directory, name: "gh",
        seedFrom: ["$GH_CONFIG_DIR", "$XDG_CONFIG_HOME/gh", "~/.config/gh"])
    ],
    checked:
      "gh help environment: GH_CONFIG_DIR is where gh stores its configuration files (config.yml, hosts.yml), "
      + "default $XDG_CONFIG_HOME/gh, else ~/.config/gh; the token is in the system keyring or hosts.yml")

  static let kubectl = ToolProfile(
    name: "kubectl", summary: "the kubeconfig (current context, namespaces)",
    locations: [
      .init(
        variable: "KUBECONFIG", kind: .file, name: "kubeconfig", seedFrom: ["$KUBECONFIG", "~/.kube/config"])
    ],
    checked:
      "kubectl config --help (loading order): --kubeconfig, else KUBECONFIG as a list of paths, else "
      + "${HOME}/.kube/config; a list in KUBECONFIG is not seeded from, ~/.kube/config is")

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
      "AWS SDKs and Tools reference guide, file-location: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, "
      + "defaults ~/.aws/config and ~/.aws/credentials")

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
    checked:
      "Managing gcloud CLI configurations (cloud.google.com/sdk/docs/configurations): the config directory is "
      + "~/.config/gcloud, changed by CLOUDSDK_CONFIG; access_tokens.db in it (gcloud core/config.py), "
      + "application_default_credentials.json in it (google-auth _cloud_sdk.py)")

  static let az = ToolProfile(
    name: "az", summary: "the Azure CLI's configuration; its MSAL token cache stays the user's",
    locations: [
      .init(
        variable: "AZURE_CONFIG_DIR", kind: .directory, name: "azure",
        seedFrom: ["$AZURE_CONFIG_DIR", "~/.azure"],
        sharedEntries: [
          "msal_token_cache.json", "msal_token_cache.bin", "msal_http_cache.bin",
          "service_principal_entries.json", "service_principal_entries.bin", "accessTokens.json",
        ])
    ],
    checked:
      "Azure CLI configuration (learn.microsoft.com/cli/azure/azure-cli-configuration): the default of "
      + "AZURE_CONFIG_DIR is $HOME/.azure; MSAL token cache ~/.azure/msal_token_cache.json or .bin (Azure/azure-cli "
      + "issue 23911), accessTokens.json before 2.30; Entra refresh tokens replace themselves on every use")

  static let docker = ToolProfile(
    name: "docker", summary: "the Docker client's configuration (contexts, auths)",
    locations: [
      .init(
        variable: "DOCKER_CONFIG", kind: .directory, name: "docker",
        seedFrom: ["$DOCKER_CONFIG", "~/.docker"])
    ],
    checked:
      "docker/cli cli/config: DOCKER_CONFIG overrides the client configuration directory (~/.docker, XDG "
      + "ignored), config.json in it, contexts under it; registry logins in config.json auths or a credsStore"
  )

  static let npm = ToolProfile(
    name: "npm", summary: "npm's user configuration (.npmrc)",
    locations: [
      .init(
        variable: "NPM_CONFIG_USERCONFIG", kind: .file, name: "npmrc",
        seedFrom: ["$NPM_CONFIG_USERCONFIG", "~/.npmrc"])
    ],
    checked:
      "npm docs, config and npmrc: npm_config_* variables set settings, case-insensitively; userconfig names "
      + "the per-user config file, default ~/.npmrc; registry _authToken lines live in it")

  static let terraform = ToolProfile(
    name: "terraform", summary: "Terraform's CLI configuration file",
    locations: [
      .init(
        variable: "TF_CLI_CONFIG_FILE", kind: .file, name: "terraform.tfrc",
        seedFrom: ["$TF_CLI_CONFIG_FILE", "~/.terraformrc"])
    ],
    checked:
      "Terraform CLI configuration file (developer.hashicorp.com/terraform/cli/config/config-file): "
      + "TF_CLI_CONFIG_FILE names it, default ~/.terraformrc, names should match *.tfrc; terraform login keeps "
      + "its token apart, in credentials.tfrc.json")
}
