/**
 * pki-tool: makes, renews and exports the two certificate trees of the tunnel with BouncyCastle.
 *
 * <p>The <em>master</em> tree secures the frontend (proxy clients to the server), the <em>agent</em> tree
 * secures the agent link (agents to the server); each has its own CA, so a certificate of one tree is never
 * accepted on the other side.
 *
 * <p>Flow: {@link io.tunnel.pki.PkiMain} parses one JCommander flags class per command
 * ({@code InitCommand}, {@code IssueCommand}, {@code RenewCommand}, {@code ShowCommand}, {@code ExportCommand})
 * into an immutable request record ({@link io.tunnel.pki.InitRequest}, {@link io.tunnel.pki.IssueRequest},
 * {@link io.tunnel.pki.RenewRequest}, {@link io.tunnel.pki.ShowRequest}, {@link io.tunnel.pki.ExportRequest}),
 * which an operation ({@link io.tunnel.pki.InitOperation}, {@link io.tunnel.pki.IssueOperation},
 * {@link io.tunnel.pki.RenewOperation}, {@link io.tunnel.pki.ShowOperation},
 * {@link io.tunnel.pki.ExportOperation}) carries out. Certificates are made by
 * {@link io.tunnel.pki.CertificateProfiles} over the fluent {@link io.tunnel.pki.CertificateBuilder}, and written
 * where {@link io.tunnel.pki.PkiLayout} says, all or nothing, by {@link io.tunnel.pki.FileTransaction}; existing
 * trees are read back by {@code TreeReader}.
 * Only {@code PkiMain} and the flags classes know JCommander.
 */
package io.tunnel.pki;
