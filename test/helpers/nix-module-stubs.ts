/** Just enough of nixpkgs' lib and pkgs for the generated modules to evaluate outside NixOS. */
export const STUB_LIB = '{ mkDefault = v: v; makeBinPath = ps: "/stub/bin"; }';
/** `writeShellScript` gives back its name and text, so a test can read the script NixOS would run. */
export const STUB_PKGS = '{ writeShellScript = name: text: { inherit name text; }; coreutils = "/coreutils"; }';
