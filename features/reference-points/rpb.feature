@reference-points @rpb @OBF-6.4.2-RPB @needs-gba-u
Feature: RPB, Secure Element <-> Authentication Server (OBF draft 3.2 vii, 6.4.2; GBA Ub)
  RPB provides mutual authentication between the Secure Element and the Authentication Server and lets the
  Secure Element bootstrap the session keys. The profile runs it as GBA's Ub: HTTP Digest AKA (RFC 3310) with the
  Authentication Server, and AUTHENTICATE in GBA context (TS 31.102) on the card, which keeps Ks. The harness
  plays the terminal between them (docs/profile/gba-api.md, docs/profile/apdus.md section 9).

  Background:
    Given device "A" with its Secure Element

  @OBF-6.4.2-RPO @OBF-6.4.2-RPR @TP/OBF/RPB/BV-01
  Scenario: A bootstrap gives the Secure Element and an entitled Application Server the same NAF key
    Given Application Server "State VTAMS" is registered with the Authentication Server
    And the Resource Server grants "State VTAMS" rights over device "A" for "position,health"
    When device "A" bootstraps with the Authentication Server
    Then the bootstrap of device "A" succeeds with a B-TID base64(RAND)@realm
    When Application Server "State VTAMS" asks for the key of device "A"
    Then the Authentication Server gives "State VTAMS" the key of device "A" with its identity, lifetime and the data classes "position,health"
    And the key equals the Ks_ext_NAF the Secure Element of device "A" derives for "State VTAMS"

  @TP/OBF/RPB/BV-02
  Scenario: A card whose sequence number is ahead resynchronises with AUTS and then bootstraps
    Given the Secure Element of device "A" has accepted an authentication with sequence number "000000000400" from another network
    When device "A" bootstraps with the Authentication Server
    Then the bootstrap of device "A" succeeds with a B-TID base64(RAND)@realm after a resynchronisation

  @TP/OBF/RPB/BI-01
  Scenario: A wrong RES is refused and no B-TID is issued
    When device "A" bootstraps with the Authentication Server answering the challenge with a wrong RES
    Then the Authentication Server refuses the bootstrap of device "A" with error "AUTH_FAILED"

  @TP/OBF/RPB/BI-02
  Scenario: A challenge replayed to the card after it was used is stale (SQN) and answered with AUTS
    Given device "A" has bootstrapped with the Authentication Server
    When the network replays the last challenge to the Secure Element of device "A"
    Then the Secure Element answers a synchronisation failure with AUTS

  @TP/OBF/RPB/BI-03
  Scenario: An AUTN altered in transit fails the card's MAC check and no B-TID is issued
    When device "A" bootstraps with the Authentication Server while an attacker alters AUTN on its way to the card
    Then the Secure Element of device "A" refuses the challenge with status "9862" and no B-TID is issued
